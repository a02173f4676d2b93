import { z } from 'zod';
import { isRfc1918, parseCidr, type Cidr } from '../cidr';
import { cidr } from './common';

/** The core stack: the daemons the cell configures. `dhcp` is optional and off by default. */
export const COMPONENTS = ['caddy', 'dns', 'ntp', 'wireguard', 'dhcp'] as const;
export type ComponentName = (typeof COMPONENTS)[number];
export const componentName = z.enum(COMPONENTS, { error: `One of ${COMPONENTS.join(', ')}` });

export const COMPONENT_INFO: Record<
  ComponentName,
  { label: string; role: string; whenStopped: string; optional: boolean }
> = {
  caddy: {
    label: 'Caddy',
    role: 'Reverse proxy and TLS for the web app and services',
    whenStopped:
      'The web app and every service stop answering over HTTPS; only the direct port of this server stays reachable.',
    optional: false,
  },
  dns: {
    label: 'CoreDNS',
    role: 'The .cell zone, split horizon and forwarding for peers',
    whenStopped:
      '.cell names stop resolving for every peer, and peers that use the cell for DNS lose all name resolution.',
    optional: false,
  },
  ntp: {
    label: 'chrony',
    role: 'Time for peers',
    whenStopped: 'Peers that take their time from the cell stop being served.',
    optional: false,
  },
  wireguard: {
    label: 'WireGuard',
    role: 'The VPN that peers connect through',
    whenStopped: 'Every peer loses its tunnel to the cell until it is started again.',
    optional: false,
  },
  dhcp: {
    label: 'dnsmasq (DHCP)',
    role: 'Addresses for the local network',
    whenStopped: 'Devices on the local network stop getting or renewing addresses.',
    optional: true,
  },
};

/** A container as the engine names it: a name or a (possibly short) ID. */
export const containerRef = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(128, 'At most 128 characters')
  .regex(/^\/?[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'A container name or ID: letters, digits, underscore, dot and hyphen');

/**
 * An image reference as the engine accepts it: `[registry[:port]/]path[:tag][@sha256:digest]`,
 * lowercase path components. Checked here so nothing odd reaches the engine.
 */
const IMAGE =
  /^(?:[a-z0-9.-]+(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const imageRef = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(255, 'At most 255 characters')
  .regex(IMAGE, 'An image like caddy:2.10-alpine or registry.example.org/team/app@sha256:<digest>');

export const volumeName = z
  .string()
  .trim()
  .min(2, 'At least 2 characters')
  .max(64, 'At most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]+$/, 'Letters, digits, underscore, dot and hyphen; starts with a letter or digit');

/** The bridge network of the stack: a private IPv4 block, /16 to /28. */
export const cellSubnet = cidr
  .refine(
    (s) => (parseCidr(s) as Cidr).family === 4 && isRfc1918(parseCidr(s) as Cidr),
    'Must be a private IPv4 block (10/8, 172.16/12 or 192.168/16)',
  )
  .refine(
    (s) => (parseCidr(s) as Cidr).prefix >= 16 && (parseCidr(s) as Cidr).prefix <= 28,
    'Prefix length must be between /16 and /28',
  );

export const RESTART_POLICIES = ['unless-stopped', 'always', 'on-failure', 'no'] as const;

export const updateComponentSchema = z.object({
  component: componentName,
  /** Empty: back to the default image. */
  image: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), imageRef.nullable()).optional(),
  enabled: z.boolean().optional(),
  restartPolicy: z.enum(RESTART_POLICIES).optional(),
});
export type UpdateComponentInput = z.input<typeof updateComponentSchema>;

export const updateNetworkSchema = z.object({ subnet: cellSubnet });

export const containerActionSchema = z.object({
  id: containerRef,
  /** Stopping a core component needs it: it says what stops working. */
  confirm: z.boolean().optional(),
});

export const logsSchema = z.object({
  id: containerRef,
  tail: z.number().int().min(1, 'At least 1 line').max(5000, 'At most 5000 lines').default(200),
});

export const pullSchema = z.object({ image: imageRef });
export const pullStatusSchema = z.object({ jobId: z.string().regex(/^[a-f0-9]{16}$/, 'Not a pull job ID') });

export const createVolumeSchema = z.object({ name: volumeName });
export const removeVolumeSchema = z.object({ name: volumeName });
