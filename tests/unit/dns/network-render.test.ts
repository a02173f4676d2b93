import { describe, expect, it } from 'vitest';
import { renderDnsmasqConf, type DnsmasqModel } from '@/server/managers/dhcp/render';
import { parseHostPort } from '@/lib/schemas/common';
import { renderCorefile, renderZone, txtData, type CorefileModel, type ZoneModel } from '@/server/managers/dns/render';
import { renderChronyConf, type ChronyModel } from '@/server/managers/ntp/render';
import { goldenCases } from '../../helpers/golden';
import { CHRONY, COREFILES, DNSMASQ, ZONES } from '../../helpers/network-fixtures';

const base = ZONES['cell-empty']!;

describe('zone files', () => {
  it.each(goldenCases<ZoneModel>('dns-zone'))('$name matches its golden', async ({ input, expected }) => {
    await expect(renderZone(input)).toMatchFileSnapshot(expected);
  });

  it('splits long TXT data into 255-byte strings and escapes quotes, backslashes and control bytes', () => {
    expect(txtData('a"b\\c\nd;e')).toBe('"a\\"b\\\\c\\010d;e"');
    const long = txtData('x'.repeat(600));
    expect(long.split(' ').map((s) => s.length - 2)).toEqual([255, 255, 90]);
    expect(txtData('')).toBe('""');
  });

  it('refuses names and values that would inject records or directives', () => {
    const hostile: [string, Parameters<typeof renderZone>[0]['records'][number]][] = [
      ['newline in a name', { name: 'a\n$INCLUDE /etc/passwd', type: 'A', ttl: 60, value: '10.0.0.5' }],
      ['brace in a name', { name: 'a}b', type: 'A', ttl: 60, value: '10.0.0.5' }],
      ['semicolon in an address', { name: 'a', type: 'A', ttl: 60, value: '10.0.0.5 ; x' }],
      ['IPv4 as AAAA', { name: 'a', type: 'AAAA', ttl: 60, value: '10.0.0.5' }],
      ['quote in a target', { name: 'a', type: 'CNAME', ttl: 60, value: 'b"c' }],
      ['space in a target', { name: 'a', type: 'CNAME', ttl: 60, value: 'b c.example.' }],
      ['extra MX fields', { name: '@', type: 'MX', ttl: 60, value: '10 mail extra' }],
      ['SRV port too big', { name: '_x._tcp', type: 'SRV', ttl: 60, value: '0 0 70000 a' }],
      ['wildcard inside a name', { name: 'a.*', type: 'A', ttl: 60, value: '10.0.0.5' }],
      ['the name server name', { name: 'ns', type: 'A', ttl: 60, value: '10.0.0.5' }],
    ];
    for (const [what, record] of hostile) expect(() => renderZone({ ...base, records: [record] }), what).toThrow();
    expect(() => renderZone({ ...base, origin: 'cell\n$TTL 0' })).toThrow(/zone origin/);
    expect(() => renderZone({ ...base, serial: 2 ** 32 })).toThrow();
  });

  it('keeps hostile TXT text inside one quoted string on one line', () => {
    const text = renderZone(ZONES['cell-hostile-txt']!);
    const line = text.split('\n').find((l) => l.startsWith('note'))!;
    expect(line).toBe(
      'note\t300\tIN\tTXT\t"a \\"quote\\"; a \\\\backslash\\010$INCLUDE /etc/passwd\\010} { \\195\\188n\\195\\175code"\t; custom? with?newline',
    );
    expect(text).not.toMatch(/^\$INCLUDE/m);
  });
});

describe('Corefile', () => {
  it.each(goldenCases<CorefileModel>('dns-corefile'))('$name matches its golden', async ({ input, expected }) => {
    await expect(renderCorefile(input)).toMatchFileSnapshot(expected);
  });

  it('has no reload timer, and the log plugin only at debug level', () => {
    expect(renderCorefile(COREFILES.plain!)).not.toMatch(/^\s*(reload|log)\b/m);
    expect(renderCorefile(COREFILES['split-tls-debug']!)).toMatch(/^\s+log$/m);
  });

  it('refuses hostile zone names, files, networks and upstreams', () => {
    const plain = COREFILES.plain!;
    expect(() => renderCorefile({ ...plain, zones: [{ origin: 'cell {\n}', file: 'cell.zone' }] })).toThrow();
    expect(() => renderCorefile({ ...plain, zones: [{ origin: 'cell', file: '../etc/passwd' }] })).toThrow();
    expect(() => renderCorefile({ ...plain, upstreams: ['1.1.1.1 {'] })).toThrow();
    expect(() => renderCorefile({ ...plain, upstreams: [] })).toThrow(/upstream/);
    expect(() => renderCorefile({ ...plain, tls: { serverName: "x' }" } })).toThrow();
    const h = COREFILES['split-tls-debug']!.splitHorizon!;
    expect(() =>
      renderCorefile({ ...plain, splitHorizon: { ...h, internalNets: ["10.0.0.0/24') || true || ('"] } }),
    ).toThrow();
  });

  it('reads upstreams with and without ports', () => {
    expect(parseHostPort('1.1.1.1')).toEqual({ host: '1.1.1.1', port: null, bracketed: false });
    expect(parseHostPort('1.1.1.1:5353')).toEqual({ host: '1.1.1.1', port: 5353, bracketed: false });
    expect(parseHostPort('2606:4700::1111')).toEqual({ host: '2606:4700::1111', port: null, bracketed: false });
    expect(parseHostPort('[2606:4700::1111]:853')).toEqual({ host: '2606:4700::1111', port: 853, bracketed: true });
    expect(parseHostPort('nextcloud:80')).toEqual({ host: 'nextcloud', port: 80, bracketed: false });
    for (const bad of ['1.1.1.1:0', '1.1.1.1:65536', '[::1', '[::1]:x']) expect(parseHostPort(bad), bad).toBeNull();
  });
});

describe('chrony.conf and dnsmasq.conf', () => {
  it.each(goldenCases<ChronyModel>('ntp-chrony'))('chrony $name matches its golden', async ({ input, expected }) => {
    await expect(renderChronyConf(input)).toMatchFileSnapshot(expected);
  });

  it.each(goldenCases<DnsmasqModel>('dhcp-dnsmasq'))(
    'dnsmasq $name matches its golden',
    async ({ input, expected }) => {
      await expect(renderDnsmasqConf(input)).toMatchFileSnapshot(expected);
    },
  );

  it('refuse hostile values', () => {
    const chrony = CHRONY.default!;
    expect(() =>
      renderChronyConf({ ...chrony, sources: [{ kind: 'server', host: 'a.org\nallow all', iburst: true }] }),
    ).toThrow();
    expect(() => renderChronyConf({ ...chrony, allow: ['0.0.0.0/0 ; x'] })).toThrow();
    expect(() => renderChronyConf({ ...chrony, sources: [], localStratum: null })).toThrow();
    const lan = DNSMASQ.lan!;
    expect(() =>
      renderDnsmasqConf({
        ...lan,
        reservations: [{ mac: 'aa:bb:cc:dd:ee:ff', address: '192.168.1.9', name: 'x\nport=53' }],
      }),
    ).toThrow();
    expect(() => renderDnsmasqConf({ ...lan, interface: 'eth0\nport=53' })).toThrow();
    expect(() => renderDnsmasqConf({ ...lan, domain: 'a,b' })).toThrow();
    expect(renderDnsmasqConf(lan)).toMatch(/^port=0$/m);
  });
});
