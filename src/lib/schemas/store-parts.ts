/**
 * Pieces of a store manifest used by several of its fields: command argument arrays with the
 * placeholders the cell fills, paths relative to a volume, how a service's accounts are made
 * (files the cell renders, or the service's own commands), its DNS records and what the portal
 * shows a peer.
 */
import { z } from 'zod';
import { dnsLabel } from './common';
import { recordName } from './dns';

/** Placeholders the cell fills in; anything else in braces is refused. */
export const PLACEHOLDERS = ['user', 'password', 'domain', 'host', 'email', 'instance', 'address', 'alias'] as const;
export const templated = (what: string) =>
  z
    .string()
    .max(256)
    .refine((s) => !/[\n\r\0]/.test(s), `A ${what} is one line`)
    .refine(
      (s) =>
        [...s.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].every((m) => (PLACEHOLDERS as readonly string[]).includes(m[1]!)),
      `Only these placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
    )
    .refine((s) => !/\{(?!\{)|(?<!\})\}/.test(s.replace(/\{\{[^}]*\}\}/g, '')), 'Braces only around a placeholder');

/** A command as an argument array, never a shell string. */
export const argv = z
  .array(templated('command argument'))
  .min(1, 'Give the command and its arguments')
  .max(32)
  .refine((a) => !/^(sh|bash|ash|dash|zsh)$/.test(a[0]!.split('/').at(-1)!) || !a.includes('-c'), {
    message: 'Give the command itself: a shell with -c would run a string',
  });

const relativePath = z
  .string()
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'A relative path inside the volume')
  .refine((s) => !s.split('/').some((part) => part === '..' || part === '.'), 'No . or .. in the path');

/**
 * Who sees what, rendered by the cell from its groups: each user their own collections or
 * folder, and each group's members a shared one, made by the cell in `shared`.
 */
const rights = z.strictObject({
  format: z.enum(['radicale', 'apache']),
  /** The rights file, in the accounts' volume. */
  file: relativePath,
  /** The tree users' folders and the shared folder live in: `root` of `volume` (its top when absent). */
  shared: z.strictObject({ volume: dnsLabel, root: relativePath.optional(), folder: dnsLabel }),
  /** Run in the container once the files changed, for a service that reads its rights only when told. */
  reload: argv.optional(),
});

/**
 * A certificate from the cell's CA for the service's own TLS (mail's IMAP and submission):
 * issued for `hosts` (labels under the cell's domain), put into a volume as PEM files owned
 * by the service's user, renewed before it lapses, then `reload` is run.
 */
export const tls = z.strictObject({
  hosts: z.array(dnsLabel).min(1).max(4),
  volume: dnsLabel,
  /** The certificate and its chain, and the key, relative to the volume. */
  cert: relativePath,
  key: relativePath,
  reload: z.array(argv).max(4).default([]),
});

export const accounts = z.discriminatedUnion('kind', [
  /** The cell renders the file (bcrypt) into one of the service's volumes. */
  z.strictObject({
    kind: z.literal('htpasswd'),
    volume: dnsLabel,
    file: relativePath,
    rights: rights.optional(),
  }),
  /** Commands run inside the container, as argument arrays with placeholders. */
  z.strictObject({
    kind: z.literal('exec'),
    create: argv,
    remove: argv,
    setPassword: argv.optional(),
    disable: argv.optional(),
    /**
     * Addresses that deliver to accounts (mail's `family@` to each member of a group): one
     * command per alias and recipient, with `{{alias}}` and `{{email}}` (the recipient).
     */
    aliases: z.strictObject({ add: argv, remove: argv }).optional(),
  }),
]);

/**
 * A record the service needs in the cell's domain (mail's MX, SPF, DMARC, SRV): rendered in
 * the cell's zone while the service is installed, and listed for the public side.
 * `{{address}}` is the service's address inside the cell (the public one outside). A value
 * only the service knows (mail's DKIM key) is read `from` it by a command whose output holds
 * the record: its quoted strings, joined, or else the whole output.
 */
export const dnsRecord = z
  .strictObject({
    name: recordName.refine((n) => !n.includes('*'), 'No wildcards'),
    type: z.enum(['A', 'CNAME', 'MX', 'SRV', 'TXT']),
    value: templated('record value').optional(),
    from: argv.optional(),
    why: z.string().max(120).default(''),
  })
  .refine((r) => (r.value === undefined) !== (r.from === undefined), {
    message: 'Give the value, or the command to read it from the service: one of the two',
    path: ['value'],
  });

/** What the portal shows a peer about the service: a URL, host, port, username or text. */
export const instruction = z.strictObject({
  label: z.string().min(1).max(80),
  kind: z.enum(['url', 'host', 'port', 'username', 'text']),
  value: templated('value'),
});
