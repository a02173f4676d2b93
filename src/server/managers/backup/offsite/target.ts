import type { Writable } from 'node:stream';
import { ARCHIVE_NAME } from '@/lib/schemas/backup';

/** An archive on the target. */
export interface RemoteArchive {
  name: string;
  size: number;
  modifiedAt: Date | null;
}

/** The archives of a listing, newest first (half-sent `.part` files and other files left out). */
export const archivesOf = (list: RemoteArchive[]) =>
  list
    .filter((a) => ARCHIVE_NAME.test(a.name))
    .sort((a, b) => (b.modifiedAt?.getTime() ?? 0) - (a.modifiedAt?.getTime() ?? 0) || b.name.localeCompare(a.name));

/** What an off-site target does, whatever carries the archive there. */
export interface Remote {
  /** Where archives go, for messages (never with a password). */
  label: string;
  /**
   * Sends `file` as `name`: under a temporary name first, renamed once complete, then its size
   * there is checked, so a cut-short upload is never taken for an archive.
   */
  put(file: string, name: string, onBytes?: (sent: number) => void): Promise<void>;
  /** The archives in the folder, newest first. */
  list(): Promise<RemoteArchive[]>;
  /** Streams `name` into `sink` (ending it). */
  download(name: string, sink: Writable): Promise<void>;
  /** Removes `name`; one already gone is fine. */
  remove(name: string): Promise<void>;
  /** Writes a small file, reads it back and removes it: the settings work. */
  probe(): Promise<void>;
  close(): void;
}

/** A name for a probe file nobody else uses. */
export const probeName = () => `.cell-probe-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export const PROBE_TEXT = 'written by the Personal Internet Cell to test its off-site copy\n';

/** An off-site failure, said the way the Backups page shows it. */
export class OffsiteError extends Error {}
