/**
 * DNS-01 challenge records at the domain mode's provider: the TXT values an ACME server asks
 * to find at `_acme-challenge.<domain>`, set before the challenge is answered and cleared after.
 * Cloudflare (API v4 TXT records), DuckDNS (its `txt` update) and pic.ngo (the acme-dns protocol:
 * the cell's `_acme-challenge` is a CNAME pic.ngo keeps, so only the value is sent).
 */
import { cloudflareApi, call, DdnsError, httpFailure, type ProviderUrls } from './providers';

export interface ChallengeRecords {
  /** Adds `value` at `name` (the apex's and the wildcard's values are both there at once on Cloudflare). */
  set(name: string, value: string): Promise<void>;
  /** Removes what `set` added; a value already gone is not an error. */
  clear(name: string, value: string): Promise<void>;
}

/** Cloudflare keeps a TXT record's content in quotes when it was written with them. */
const unquoted = (s: string | undefined) => (s ?? '').replace(/^"(.*)"$/, '$1');

function cloudflareRecords(token: string, urls: ProviderUrls): ChallengeRecords {
  const cf = cloudflareApi(token, urls);
  return {
    async set(name, value) {
      const zone = await cf.zoneOf(name);
      await cf.create(zone, { type: 'TXT', name, content: value, ttl: 60, comment: 'ACME challenge of the cell' });
    },
    async clear(name, value) {
      const zone = await cf.zoneOf(name);
      for (const r of await cf.records(zone, { type: 'TXT', name }))
        if (r.id && unquoted(r.content) === value) await cf.remove(zone, r.id);
    },
  };
}

/** DuckDNS holds one TXT value per subdomain, answered for every name under it. */
function duckdnsRecords(token: string, domain: string, urls: ProviderUrls): ChallengeRecords {
  const sub = domain.replace(/\.duckdns\.org$/, '');
  const update = async (txt: string, clear: boolean) => {
    const q = new URLSearchParams({ domains: sub, token, txt, verbose: 'true', ...(clear ? { clear: 'true' } : {}) });
    const r = await call(`${urls.duckdns}/update?${q}`);
    if (r.status !== 200) httpFailure('DuckDNS', r);
    if (!r.text.trim().startsWith('OK'))
      throw new DdnsError('DuckDNS answered KO: the token or the subdomain is wrong', 'auth');
  };
  return { set: (_name, value) => update(value, false), clear: () => update('', true) };
}

/** acme-dns (`POST /update`): the server keeps the last two values, so there is nothing to clear. */
function acmeDnsRecords(server: string, user: string, key: string, subdomain: string): ChallengeRecords {
  return {
    async set(_name, value) {
      const r = await call(`${server.replace(/\/+$/, '')}/update`, {
        method: 'POST',
        headers: { 'X-Api-User': user, 'X-Api-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify({ subdomain, txt: value }),
      });
      if (r.status !== 200) httpFailure(new URL(server).host, r);
    },
    clear: async () => {},
  };
}

/** The challenge records of a domain mode that gets its certificate through DNS-01; null for the others. */
export function challengeRecords(
  mode: string,
  token: string | null,
  domain: string,
  urls: ProviderUrls,
): ChallengeRecords | null {
  if (!token) return null;
  if (mode === 'cloudflare') return cloudflareRecords(token, urls);
  if (mode === 'duckdns') return duckdnsRecords(token, domain, urls);
  if (mode === 'pic_ngo') return acmeDnsRecords(urls.picNgoAcme, domain, token, domain.replace(/\.pic\.ngo$/, ''));
  return null;
}
