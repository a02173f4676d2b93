import { describe, expect, it } from 'vitest';
import {
  cidrHost,
  cidrIndexOf,
  cidrsOverlap,
  formatCidr,
  formatIpv6,
  isRfc1918,
  isUla,
  parseCidr,
  parseIpv4,
  parseIpv6,
  type Cidr,
} from '@/lib/cidr';

const c = (s: string) => parseCidr(s) as Cidr;

describe('IPv4', () => {
  it('parses dotted quads and refuses anything else', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['10.0.0', '10.0.0.256', '01.0.0.1', '1.2.3.4 ', '1.2.3.4\n', 'a.b.c.d', ''])
      expect(parseIpv4(bad), bad).toBeNull();
  });

  it('numbers hosts inside a block and finds them again', () => {
    const net = c('10.0.0.0/24');
    expect(cidrHost(net, 1)).toBe('10.0.0.1');
    expect(cidrHost(net, 254)).toBe('10.0.0.254');
    expect(cidrIndexOf(net, '10.0.0.77')).toBe(77);
    expect(cidrIndexOf(net, '10.0.1.1')).toBeNull();
  });

  it('tells private blocks from public ones', () => {
    expect(isRfc1918(c('10.8.0.0/24'))).toBe(true);
    expect(isRfc1918(c('172.31.0.0/16'))).toBe(true);
    expect(isRfc1918(c('172.32.0.0/16'))).toBe(false);
    expect(isRfc1918(c('192.168.0.0/15'))).toBe(false);
    expect(isRfc1918(c('8.8.8.0/24'))).toBe(false);
  });
});

describe('CIDR', () => {
  it('refuses host bits, long prefixes and junk with a reason', () => {
    expect(parseCidr('10.0.0.5/24')).toBe('host-bits');
    expect(parseCidr('10.0.0.0/33')).toBe('prefix');
    expect(parseCidr('10.0.0.0')).toBe('syntax');
    expect(parseCidr('10.0.0.0/24\nPostUp = x')).toBe('syntax');
    expect(parseCidr('10.0.0.5/24', { strict: false })).toEqual(c('10.0.0.0/24'));
  });

  it('detects overlap within a family only', () => {
    expect(cidrsOverlap(c('10.0.0.0/8'), c('10.1.0.0/16'))).toBe(true);
    expect(cidrsOverlap(c('10.0.0.0/24'), c('10.0.1.0/24'))).toBe(false);
    expect(cidrsOverlap(c('0.0.0.0/0'), c('::/0'))).toBe(false);
  });
});

describe('IPv6', () => {
  it('round-trips to the RFC 5952 form', () => {
    for (const [input, canonical] of [
      ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
      ['FD12:3456:789A::', 'fd12:3456:789a::'],
      ['::', '::'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ]) {
      expect(formatIpv6(parseIpv6(input!)!), input).toBe(canonical);
    }
  });

  it('refuses malformed addresses', () => {
    for (const bad of ['1::2::3', 'fd00:::1', '12345::', 'fd00::g', '1:2:3:4:5:6:7:8:9'])
      expect(parseIpv6(bad), bad).toBeNull();
  });

  it('numbers hosts in a unique local block', () => {
    const net = c('fd12:3456:789a::/64');
    expect(isUla(net)).toBe(true);
    expect(isUla(c('2001:db8::/32'))).toBe(false);
    expect(cidrHost(net, 2)).toBe('fd12:3456:789a::2');
    expect(formatCidr(c('FD12:3456:789A:0::/64'))).toBe('fd12:3456:789a::/64');
  });
});
