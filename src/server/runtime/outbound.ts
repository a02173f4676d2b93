/**
 * HTTP(S) requests to addresses that users typed (dynamic DNS address sources, dyndns2
 * servers, webhooks, off-site backup targets): every address a name resolves to is checked at connect time, so a name cannot
 * lead the server to its own loopback, link-local or internal networks (DNS rebinding
 * included), and answers are read with a size cap. No redirects are followed.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cidrContains, parseAddress, parseCidr, type Cidr } from '@/lib/cidr';

export class OutboundRefusedError extends Error {}

export interface OutboundResponse {
  status: number;
  text: string;
  retryAfter?: number;
}

export interface OutboundOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string, or a stream sent as it is read (give its content-length among the headers). */
  body?: string | Readable;
  /** How long the connection may stay silent. */
  timeoutMs?: number;
  maxBytes?: number;
  /** Why an address may not be called, or null when it may. */
  refuse?: (address: string) => string | null;
  /** A 200 answer's body goes here as it arrives, with no size cap (`text` is then empty). */
  sink?: Writable;
}

const ALWAYS_REFUSED = [
  '127.0.0.0/8',
  '::1/128',
  '169.254.0.0/16',
  'fe80::/10',
  '0.0.0.0/8',
  '::/128',
  '224.0.0.0/4',
  'ff00::/8',
].map((c) => parseCidr(c) as Cidr);

/**
 * The usual refusal: loopback, link-local, unspecified and multicast addresses, and the
 * networks given (the tunnel and the cell network). `allowLoopback` is for tests only.
 */
export function refuseInternal(networks: string[], { allowLoopback = false } = {}): (address: string) => string | null {
  const own = networks.map((n) => parseCidr(n, { strict: false })).filter((c): c is Cidr => typeof c !== 'string');
  return (address) => {
    const a = parseAddress(address.replace(/^::ffff:(?=\d+\.)/i, ''));
    if (!a) return `${address} is not an address`;
    const loopback =
      cidrContains(ALWAYS_REFUSED[0]!, a.family, a.value) || cidrContains(ALWAYS_REFUSED[1]!, a.family, a.value);
    if (loopback && allowLoopback) return null;
    if (ALWAYS_REFUSED.some((c) => cidrContains(c, a.family, a.value)))
      return `${address} is a loopback, link-local or special address`;
    if (own.some((c) => cidrContains(c, a.family, a.value))) return `${address} is inside the cell's own networks`;
    return null;
  };
}

function guardedLookup(refuse: (address: string) => string | null): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as dns.LookupAddress[];
      const bad = list.map((a) => refuse(a.address)).find(Boolean);
      if (bad)
        return callback(new OutboundRefusedError(`${hostname} resolves to ${bad}: the cell does not call it`), '', 4);
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export function outboundRequest(url: string, opts: OutboundOptions = {}): Promise<OutboundResponse> {
  const u = new URL(url);
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (opts.refuse && parseAddress(host)) {
    const bad = opts.refuse(host);
    if (bad) return Promise.reject(new OutboundRefusedError(`${bad}: the cell does not call it`));
  }
  const client = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
  if (!client) return Promise.reject(new OutboundRefusedError(`${u.protocol} is not HTTP`));
  return new Promise((resolve, reject) => {
    const req = client.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        timeout: timeoutMs,
        ...(opts.refuse ? { lookup: guardedLookup(opts.refuse) } : {}),
      },
      (res) => {
        if (opts.sink && res.statusCode === 200) {
          pipeline(res, opts.sink).then(() => resolve({ status: 200, text: '' }), reject);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            res.destroy();
            reject(new Error(`${u.host} answered with more than ${Math.round(maxBytes / 1024)} KiB`));
          } else chunks.push(c);
        });
        res.on('end', () => {
          const retry = Number(res.headers['retry-after']);
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    if (typeof opts.body === 'object') pipeline(opts.body, req).catch(reject);
    else req.end(opts.body);
  });
}

/** The address to connect to for `host` (a name or an address), once every address it has passes `refuse`. */
export function allowedAddress(host: string, refuse: (address: string) => string | null): Promise<string> {
  return new Promise((resolve, reject) =>
    guardedLookup(refuse)(host, {}, (err, address) => (err ? reject(err) : resolve(address as string))),
  );
}
