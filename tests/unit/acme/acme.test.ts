import { describe, expect, it } from 'vitest';
import { backoffMs, renewsAt } from '@/server/managers/acme/certificate';
import { challengeResolver } from '@/server/managers/acme/issue';

describe('the DNS-01 certificate', () => {
  it('renews once a third of its lifetime is left', () => {
    const notBefore = new Date('2026-12-01T00:00:00Z');
    const notAfter = new Date('2027-03-01T00:00:00Z'); // 90 days
    expect(renewsAt({ notBefore, notAfter }).toISOString()).toBe('2027-01-30T00:00:00.000Z');
  });

  it('backs off from 5 minutes, doubling, up to 6 hours', () => {
    expect([1, 2, 3, 7, 8, 20].map((n) => backoffMs(n) / 60_000)).toEqual([5, 10, 20, 320, 360, 360]);
  });

  it('asks the resolver it is given, by IP address and optional port; anything else is refused by name', () => {
    expect(challengeResolver('10.0.0.53').getServers()).toEqual(['10.0.0.53']);
    expect(challengeResolver('10.0.0.53:5353').getServers()).toEqual(['10.0.0.53:5353']);
    expect(challengeResolver('[fd00::53]:5353').getServers()).toEqual(['[fd00::53]:5353']);
    expect(challengeResolver('fd00::53').getServers()).toEqual(['fd00::53']);
    for (const bad of ['ns1.example.org', '10.0.0.53:x', '999.1.1.1', '10.0.0.53;rm', ''])
      expect(() => challengeResolver(bad)).toThrow(
        `PIC_ACME_DNS_RESOLVER=${bad} is not an IP address with an optional port`,
      );
  });
});
