/**
 * Dynamic DNS providers, each speaking its documented HTTP API: pic.ngo, Cloudflare (API v4),
 * DuckDNS and the dyndns2 protocol (No-IP and many others). Base URLs come from the
 * environment so tests can point them at a local server.
 */
import { parseIpv4 } from '@/lib/cidr';
import { OutboundRefusedError, outboundRequest } from '../../runtime/outbound';
import type { Env } from '../../runtime/runtime';

export type FailureKind = 'auth' | 'rate' | 'server' | 'network' | 'config';

export class DdnsError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    /** Seconds the provider asked us to wait (rate limits). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface Publish {
  /** The full name to point at the address: `home.pic.ngo`, `home.example.org`. */
  name: string;
  ip: string;
}

export interface Provider {
  id: 'pic_ngo' | 'cloudflare' | 'duckdns' | 'dyndns2';
  publish(p: Publish): Promise<void>;
}

const USER_AGENT = 'personal-internet-cell/0.1 (+https://pic.ngo)';
const TIMEOUT_MS = 10_000;

export type Refuse = (address: string) => string | null;

/** One request: answers are capped in size, redirects are not followed, and a user's URL is held to `refuse`. */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  refuse?: Refuse,
): Promise<{ status: number; text: string; retryAfter?: number }> {
  try {
    return await outboundRequest(url, {
      ...init,
      headers: { 'User-Agent': USER_AGENT, ...(init.headers ?? {}) },
      timeoutMs: TIMEOUT_MS,
      refuse,
    });
  } catch (err) {
    if (err instanceof OutboundRefusedError) throw new DdnsError(`${new URL(url).host}: ${err.message}`, 'config');
    const cause = (err as { code?: string }).code;
    throw new DdnsError(`${new URL(url).host} could not be reached: ${cause ?? (err as Error).message}`, 'network');
  }
}

/** The usual HTTP failures, named. */
export function httpFailure(
  who: string,
  r: { status: number; text: string; retryAfter?: number },
  detail?: string,
): never {
  const what = detail ?? r.text.trim().slice(0, 200);
  if (r.status === 401 || r.status === 403)
    throw new DdnsError(`${who} refused the token: ${what || `HTTP ${r.status}`}`, 'auth');
  if (r.status === 429)
    throw new DdnsError(
      `${who} is rate limiting updates${r.retryAfter ? ` (retry after ${r.retryAfter} s)` : ''}`,
      'rate',
      r.retryAfter,
    );
  if (r.status >= 500)
    throw new DdnsError(`${who} had a server error: HTTP ${r.status}${what ? ` ${what}` : ''}`, 'server');
  throw new DdnsError(`${who} answered HTTP ${r.status}${what ? `: ${what}` : ''}`, 'config');
}

/** Where the providers' APIs are: the real ones, unless the cell's environment points elsewhere (tests). */
export interface ProviderUrls {
  picNgo: string;
  /** pic.ngo's acme-dns server, where the cell's DNS-01 challenge values go. */
  picNgoAcme: string;
  cloudflare: string;
  duckdns: string;
}

export function providerUrls(env: Env): ProviderUrls {
  const at = (key: string, fallback: string) => (env[key] || fallback).replace(/\/+$/, '');
  return {
    picNgo: at('PIC_NGO_API_URL', 'https://api.pic.ngo'),
    picNgoAcme: at('PIC_NGO_ACME_URL', 'https://acme.pic.ngo'),
    cloudflare: at('PIC_CLOUDFLARE_API_URL', 'https://api.cloudflare.com/client/v4'),
    duckdns: at('PIC_DUCKDNS_URL', 'https://www.duckdns.org'),
  };
}

/** pic.ngo: `PUT /v1/cells/{name}` with the cell's key as a bearer token. */
export function picNgo(key: string, urls: ProviderUrls): Provider {
  return {
    id: 'pic_ngo',
    async publish({ name, ip }) {
      const label = name.replace(/\.pic\.ngo$/, '');
      const r = await call(`${urls.picNgo}/v1/cells/${encodeURIComponent(label)}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ipv4: ip }),
      });
      if (r.status !== 200) httpFailure('pic.ngo', r);
    },
  };
}

/** Whether `<name>.pic.ngo` is free (or already this cell's); an unreachable service counts as free. */
export async function picNgoNameAvailable(
  name: string,
  urls: ProviderUrls,
): Promise<{ available: boolean; checked: boolean; reason?: string }> {
  try {
    const r = await call(`${urls.picNgo}/v1/names/${encodeURIComponent(name)}`);
    if (r.status !== 200)
      return {
        available: true,
        checked: false,
        reason: `pic.ngo answered HTTP ${r.status}; the name is checked again when the cell registers`,
      };
    return { available: (JSON.parse(r.text) as { available?: boolean }).available !== false, checked: true };
  } catch (err) {
    return {
      available: true,
      checked: false,
      reason: `${(err as Error).message}; the name is checked again when the cell registers`,
    };
  }
}

interface CfEnvelope<T> {
  success: boolean;
  errors?: { code: number; message: string }[];
  result: T;
}

/** A DNS record as Cloudflare's API v4 lists and takes it. */
export interface CfRecord {
  id?: string;
  type: string;
  name: string;
  content?: string;
  priority?: number;
  data?: { priority: number; weight: number; port: number; target: string };
  ttl?: number;
  proxied?: boolean;
  comment?: string | null;
}

/** Cloudflare API v4 with a token: its zones and their records. */
export function cloudflareApi(token: string, urls: ProviderUrls) {
  async function api<T>(path: string, init: { method?: string; body?: string } = {}): Promise<T> {
    const r = await call(`${urls.cloudflare}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    });
    let body: CfEnvelope<T> | null = null;
    try {
      body = JSON.parse(r.text) as CfEnvelope<T>;
    } catch {
      // Not JSON: described by the status.
    }
    if (r.status !== 200 || !body?.success)
      httpFailure('Cloudflare', r, body?.errors?.map((e) => `${e.message} (${e.code})`).join('; '));
    return body.result;
  }
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  return {
    /** The zone a name is in: the longest suffix of it that Cloudflare knows on this token. */
    async zoneOf(name: string): Promise<string> {
      const labels = name.split('.');
      for (let i = 0; i < labels.length - 1; i++) {
        const zone = (await api<{ id: string }[]>(`/zones?${q({ name: labels.slice(i).join('.') })}`))[0];
        if (zone) return zone.id;
      }
      throw new DdnsError(`Cloudflare has no zone for ${name} on this token`, 'config');
    },
    records: (zone: string, filter: Record<string, string>) =>
      api<CfRecord[]>(`/zones/${zone}/dns_records?${q({ per_page: '1000', ...filter })}`),
    create: (zone: string, record: CfRecord) =>
      api<CfRecord>(`/zones/${zone}/dns_records`, { method: 'POST', body: JSON.stringify(record) }),
    replace: (zone: string, id: string, record: CfRecord) =>
      api<CfRecord>(`/zones/${zone}/dns_records/${id}`, { method: 'PUT', body: JSON.stringify(record) }),
    remove: (zone: string, id: string) => api(`/zones/${zone}/dns_records/${id}`, { method: 'DELETE' }),
  };
}

/** Cloudflare API v4: find the zone, then update the A record (or create it). */
export function cloudflare(token: string, urls: ProviderUrls): Provider {
  const cf = cloudflareApi(token, urls);
  return {
    id: 'cloudflare',
    async publish({ name, ip }) {
      const zone = await cf.zoneOf(name);
      const existing = (await cf.records(zone, { type: 'A', name }))[0];
      const record = { type: 'A', name, content: ip, ttl: 60, proxied: false };
      if (existing?.id) await cf.replace(zone, existing.id, record);
      else await cf.create(zone, record);
    },
  };
}

/** DuckDNS: `GET /update?domains=&token=&ip=`, answered with OK or KO. */
export function duckdns(token: string, urls: ProviderUrls): Provider {
  return {
    id: 'duckdns',
    async publish({ name, ip }) {
      const sub = name.replace(/\.duckdns\.org$/, '');
      const q = new URLSearchParams({ domains: sub, token, ip });
      const r = await call(`${urls.duckdns}/update?${q}`);
      if (r.status !== 200) httpFailure('DuckDNS', r);
      if (r.text.trim() !== 'OK')
        throw new DdnsError('DuckDNS answered KO: the token or the subdomain is wrong', 'auth');
    },
  };
}

const DYNDNS2_FAILURES: Record<string, [FailureKind, string]> = {
  badauth: ['auth', 'the username or password is wrong'],
  '!donator': ['config', 'the account cannot use this feature'],
  notfqdn: ['config', 'the hostname is not a full domain name'],
  nohost: ['config', 'the hostname does not exist in this account'],
  numhost: ['config', 'too many hosts in one update'],
  abuse: ['rate', 'the hostname is blocked for too many updates'],
  badagent: ['config', 'the provider refused this client'],
  dnserr: ['server', 'the provider had a DNS error'],
  '911': ['server', 'the provider is having problems'],
};

/** The dyndns2 protocol: `GET /nic/update?hostname=&myip=` with basic auth; `good`/`nochg` mean done. */
export function dyndns2(
  server: string,
  username: string,
  password: string,
  hostname: string,
  refuse?: Refuse,
): Provider {
  return {
    id: 'dyndns2',
    async publish({ ip }) {
      const q = new URLSearchParams({ hostname, myip: ip });
      const r = await call(
        `${server.replace(/\/+$/, '')}/nic/update?${q}`,
        { headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } },
        refuse,
      );
      const code = r.text.trim().split(/\s+/)[0] ?? '';
      if (r.status === 200 && (code === 'good' || code === 'nochg')) return;
      const known = DYNDNS2_FAILURES[code];
      if (known) throw new DdnsError(`${new URL(server).host}: ${code}: ${known[1]}`, known[0]);
      httpFailure(new URL(server).host, r);
    },
  };
}

/** The public IPv4 address as two or more sources see it; they must agree. */
export async function discoverAddress(sources: string[], refuse?: Refuse): Promise<string> {
  if (sources.length < 2)
    throw new DdnsError('At least two address sources are needed, so one wrong answer cannot move the name', 'config');
  const answers = await Promise.all(
    sources.map(async (url) => {
      try {
        const r = await call(url, {}, refuse);
        const ip = r.text.trim();
        return r.status === 200 && parseIpv4(ip) !== null
          ? { url, ip }
          : { url, error: `HTTP ${r.status} ${ip.slice(0, 40)}` };
      } catch (err) {
        return { url, error: (err as Error).message };
      }
    }),
  );
  const good = answers.filter((a): a is { url: string; ip: string } => 'ip' in a);
  if (good.length < 2)
    throw new DdnsError(
      `Fewer than two address sources answered: ${answers.map((a) => `${a.url}: ${'ip' in a ? a.ip : a.error}`).join('; ')}`,
      'network',
    );
  const distinct = [...new Set(good.map((a) => a.ip))];
  if (distinct.length > 1)
    throw new DdnsError(
      `The address sources disagree: ${good.map((a) => `${a.url} says ${a.ip}`).join(', ')}`,
      'network',
    );
  return distinct[0]!;
}
