/**
 * Peers from a CSV that a person pastes or uploads: a header line naming the columns, then
 * one peer per line. Parsed and checked here (the form shows the same errors before sending),
 * created all or nothing by `peers.importMany`.
 */
import { z } from 'zod';
import { createPeerSchema, type CreatePeer } from './peers';

export const IMPORT_COLUMNS = ['name', 'routingPolicy', 'address', 'allowedIps', 'expiresAt', 'peerToPeer'] as const;
const REQUIRED = ['name', 'routingPolicy'] as const;
export const MAX_IMPORT_ROWS = 1000;

export const importPeersSchema = z.object({
  csv: z
    .string()
    .min(1, 'Paste or upload a CSV file')
    .max(512 * 1024, 'At most 512 KiB'),
});

export type RowErrors = Record<string, string[]>;

/** One line's fields: commas separate, double quotes enclose a field that holds commas or quotes (`""`). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

const BOOLEAN: Record<string, boolean> = { true: true, yes: true, '1': true, false: false, no: false, '0': false };

/**
 * The peers a CSV describes, or the errors keyed `rows.<n>.<field>` (n counts data rows
 * from 1) and `csv` for the file as a whole.
 */
export function parsePeerCsv(csv: string): { rows: CreatePeer[] } | { errors: RowErrors } {
  const lines = csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (!lines.length) return { errors: { csv: ['The file is empty'] } };
  const header = csvFields(lines[0]!);
  const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
  if (unknown.length)
    return { errors: { csv: [`Unknown column ${unknown[0]}: the columns are ${IMPORT_COLUMNS.join(', ')}`] } };
  const missing = REQUIRED.filter((r) => !header.includes(r));
  if (missing.length) return { errors: { csv: [`The header line must name ${missing.join(' and ')}`] } };
  const data = lines.slice(1);
  if (!data.length) return { errors: { csv: ['No peers below the header line'] } };
  if (data.length > MAX_IMPORT_ROWS)
    return { errors: { csv: [`At most ${MAX_IMPORT_ROWS} peers at once; this file has ${data.length}`] } };

  const errors: RowErrors = {};
  const rows: CreatePeer[] = [];
  const seen = new Map<string, number>();
  data.forEach((line, i) => {
    const n = i + 1;
    const fields = csvFields(line);
    if (fields.length !== header.length) {
      errors[`rows.${n}`] = [`${fields.length} fields where the header has ${header.length}`];
      return;
    }
    const raw = Object.fromEntries(header.map((h, k) => [h, fields[k]!]));
    const value: Record<string, unknown> = { name: raw.name, routingPolicy: raw.routingPolicy };
    if (raw.address) value.address = raw.address;
    if (raw.allowedIps) value.allowedIps = raw.allowedIps.split(/[\s;,]+/).filter(Boolean);
    if (raw.expiresAt) value.expiresAt = raw.expiresAt;
    if (raw.peerToPeer) {
      const b = BOOLEAN[raw.peerToPeer.toLowerCase()];
      if (b === undefined) (errors[`rows.${n}.peerToPeer`] ??= []).push('true or false');
      else value.peerToPeer = b;
    }
    const parsed = createPeerSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        (errors[`rows.${n}.${issue.path.join('.') || 'name'}`] ??= []).push(issue.message);
      return;
    }
    const key = parsed.data.name.toLowerCase();
    const twin = seen.get(key);
    if (twin) (errors[`rows.${n}.name`] ??= []).push(`Row ${twin} already has the name ${parsed.data.name}`);
    else seen.set(key, n);
    rows.push(parsed.data);
  });
  return Object.keys(errors).length ? { errors } : { rows };
}
