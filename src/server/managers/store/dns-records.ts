/**
 * The records installed services need in the cell's domain (mail's MX, SPF, DMARC and SRV),
 * from their manifests with the placeholders filled: DNS renders them in the domain's zone
 * (`{{address}}` is the service's address inside, the public one outside), and the service's
 * page lists them for the public side.
 */
import { recordValueProblem } from '@/lib/schemas/dns';
import type { DbOrTx } from '../../db';
import type { ServiceRecord } from '../dns';
import { cellFacts } from '../cell';
import { logger } from '../../runtime/logger';
import { fillPlaceholders } from './model';
import { addressOf, instanceRows, manifestOfRow, type InstanceRow } from './state';

type ManifestRecord = ReturnType<typeof manifestOfRow>['dns'][number];

/** A record's value before its placeholders are filled: the manifest's, or what was read from the service. */
export const templateOf = (row: InstanceRow, r: ManifestRecord): string | null =>
  r.value ?? row.readRecords[`${r.name} ${r.type}`] ?? null;

/** The value a command's output holds: its quoted strings joined (zone-file form), else the output itself. */
export function valueFromOutput(output: string): string {
  const quoted = [...output.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
  return (quoted.length ? quoted.join('') : output).trim();
}

const log = logger.child('store');

export function serviceRecords(tx: DbOrTx): ServiceRecord[] {
  const rows = instanceRows(tx).filter((r) => r.state !== 'removing');
  if (!rows.length) return [];
  const { domain } = cellFacts(tx);
  return rows.flatMap((row) =>
    manifestOfRow(row).dns.flatMap((r) => {
      const template = templateOf(row, r);
      if (template === null) return [];
      const value = fillPlaceholders(template, { domain, instance: row.id, address: addressOf(tx, row.hostIndex) });
      const problem = recordValueProblem(r.type, value);
      if (problem) {
        log.warn('a service record is left out', { instance: row.id, name: r.name, type: r.type, problem });
        return [];
      }
      return [{ name: r.name, type: r.type, value, owner: `service ${row.id}` }];
    }),
  );
}
