import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * `cell` or one of its services or modules (`cell.store`, `cell.store.accounts`); the daemons
 * `caddy`, `dns`, `ntp`, `dhcp`, `wireguard` (wireguard-go); an installed store service by its container (`cell-svc-calendar`).
 */
export const logTarget = z
  .string()
  .trim()
  .regex(
    /^(cell(\.[a-z0-9-]{1,40}){0,3}|caddy|dns|ntp|dhcp|wireguard|cell-svc-[a-z][a-z0-9-]{1,40})$/,
    'cell, cell.<service> (as the logs name it), caddy, dns, ntp, dhcp, wireguard or an installed service (cell-svc-<id>)',
  );

export const setLevelInput = z.strictObject({ target: logTarget, level: z.enum(LOG_LEVELS) });

export const searchLogsInput = z
  .strictObject({
    text: z.string().trim().max(200).optional(),
    /** This level and the ones above it. */
    level: z.enum(LOG_LEVELS).optional(),
    /** A service and everything under it (`cell.store` takes `cell.store.accounts`). */
    service: z.string().trim().max(120).optional(),
    since: z.date().optional(),
    until: z.date().optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { path: ['until'], message: 'Until comes after since' });
export type SearchLogsInput = z.input<typeof searchLogsInput>;

export const tailLogsInput = z.strictObject({
  text: z.string().trim().max(200).optional(),
  level: z.enum(LOG_LEVELS).optional(),
  service: z.string().trim().max(120).optional(),
});
