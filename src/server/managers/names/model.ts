/** Pure: how owners and targets are written in the name registry. */
import type { NAME_KINDS } from '../../db/schema';

export type NameKind = (typeof NAME_KINDS)[number];

/** Who holds a name: a kind, its id within the kind, and how people read it (`peer alice`). */
export interface NameOwner {
  kind: NameKind;
  ref: string;
  description: string;
}

/** Where a name points: the cell itself, the n-th tunnel address, a fixed IPv4 address, or nowhere (records). */
export type NameTarget = { to: 'cell' } | { to: 'host'; index: number } | { to: 'ip'; address: string } | null;

/** The label nobody can hold: every zone's own name server. */
export const NAME_SERVER_LABEL = 'ns';
export const NAME_SERVER_OWNER = "the zone's name server";

/** The cell's own name: `<cell>.cell` points at the cell. */
export const CELL_OWNER: NameOwner = { kind: 'cell', ref: 'cell', description: 'the cell' };

/** A store service (and the core ones): its names point at the cell and are published under the domain too. */
export const serviceOwner = (id: string, kind: 'service' | 'core' = 'service'): NameOwner => ({
  kind,
  ref: id,
  description: `service ${id}`,
});

/** Kinds whose names point at the cell's services and are published under the domain too. */
export const SERVICE_KINDS: readonly NameKind[] = ['core', 'route', 'service'];

/** A peer's name as a DNS label: lowercase, `_` and `.` become `-`. */
export function peerLabel(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'peer'
  );
}

export function writeTarget(t: NameTarget): string | null {
  if (!t) return null;
  if (t.to === 'cell') return 'cell';
  return t.to === 'host' ? `host:${t.index}` : `ip:${t.address}`;
}

export function readTarget(s: string | null): NameTarget {
  if (s === null) return null;
  if (s === 'cell') return { to: 'cell' };
  if (s.startsWith('host:')) return { to: 'host', index: Number(s.slice(5)) };
  return { to: 'ip', address: s.slice(3) };
}
