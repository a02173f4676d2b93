import { z } from 'zod';
import { parseAddress } from '../cidr';
import { isHostName, parseHostPort } from './common';

export const routeHost = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Required')
  .max(253, 'At most 253 characters')
  .transform((s) => s.replace(/\.$/, ''))
  .refine((s) => s.split('.').length >= 2 && isHostName(s), 'A name like nas.example.org or nas.cell');

export const routePath = z
  .string()
  .trim()
  .max(200, 'At most 200 characters')
  .transform((s) => (s === '/' ? '' : s.replace(/\/+$/, '')))
  .refine((s) => s === '' || /^(\/[A-Za-z0-9._~-]+)+$/.test(s), 'A prefix like /app (letters, digits, . _ ~ -)');

/** `container:port`, `address:port` or `[ipv6]:port`. */
export const routeUpstream = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(260)
  .refine((s) => {
    const p = parseHostPort(s);
    if (!p || p.port === null) return false;
    return p.bracketed ? parseAddress(p.host)?.family === 6 : /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p.host);
  }, 'A container or address with a port: nextcloud:80, 10.0.0.5:8080 or [fd00::5]:80');

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'Header names: letters, digits and hyphens');
// No `{`: Caddy expands placeholders such as {file./etc/passwd} in header values.
const headerValue = z
  .string()
  .max(1024, 'At most 1024 characters')
  .regex(/^[\x20-\x7e]*$/, 'Printable characters only, no line breaks')
  .refine((s) => !s.includes('{'), 'No { in header values (Caddy would read it as a placeholder)');

export const routeInput = z.object({
  host: routeHost,
  path: routePath.default(''),
  upstream: routeUpstream,
  access: z.enum(['peers', 'public'], { error: 'peers or public' }),
  headers: z
    .record(headerName, headerValue)
    .refine((h) => Object.keys(h).length <= 20, 'At most 20 headers')
    .default({}),
  websocket: z.boolean().default(false),
});
export type RouteInput = z.output<typeof routeInput>;
export const updateRouteInput = routeInput.partial().extend({ id: z.number().int().positive() });
export type UpdateRouteInput = z.output<typeof updateRouteInput>;
