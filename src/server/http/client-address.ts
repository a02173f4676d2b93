import http from 'node:http';
import { formatAddress, parseAddress } from '@/lib/cidr';

/**
 * Who connected. Next only fills X-Forwarded-For when the client sent none, so a client
 * could name any address it liked. The guard below rewrites the header from the socket
 * before Next sees the request, and keeps what the client sent only when the socket is
 * the cell's own Caddy (which sets the header from its own socket).
 */
export const ADDRESS_HEADER = 'x-forwarded-for';

/** An address as the rate limits count it: IPv4 as is, IPv6 by its /64 (one household, one prefix). */
export function addressKey(raw: string): string {
  const s = raw
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped) return mapped[1]!;
  const a = parseAddress(s);
  if (!a) return 'unknown';
  if (a.family === 4) return formatAddress(4, a.value);
  const prefix = (a.value >> 64n) << 64n;
  return `${formatAddress(6, prefix)}/64`;
}

/** The client's address from a request whose X-Forwarded-For the guard has set. */
export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>): string {
  const raw = headers instanceof Headers ? headers.get(ADDRESS_HEADER) : headers[ADDRESS_HEADER];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  const last = value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last ? addressKey(last) : 'unknown';
}

type TrustedProxies = () => ReadonlySet<string>;

/** Sets X-Forwarded-For to the socket's address unless the socket is a trusted proxy. */
export function stampRequest(req: http.IncomingMessage, trusted: TrustedProxies): void {
  const socket = addressKey(req.socket?.remoteAddress ?? '');
  if (req.headers[ADDRESS_HEADER] && trusted().has(socket)) return;
  req.headers[ADDRESS_HEADER] = socket;
}

const installed = Symbol.for('pic.client-address-guard');

/** Once per process: every HTTP request's address header comes from its socket. */
export function installClientAddressGuard(trusted: TrustedProxies): void {
  const proto = http.Server.prototype as http.Server & { [installed]?: boolean };
  if (proto[installed]) return;
  proto[installed] = true;
  const emit = proto.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') stampRequest(args[0] as http.IncomingMessage, trusted);
    return emit.apply(this, [event, ...args]);
  } as typeof proto.emit;
}
