/**
 * What a start does about the last stop, before anything new is written: a change that a
 * crash or kill cut short is closed as interrupted in the audit trail, and the temp files
 * of writes cut short are removed. The loops then render every config from the database.
 */
import path from 'node:path';
import type { Db } from './db';
import { closeInterrupted } from './managers/audit';
import { removeStaleTempFiles } from './runtime/fs-atomic';
import { dataDir } from './runtime/paths';

export function recoverAfterStop(db: Db): { interrupted: number; tempFiles: number } {
  return { interrupted: closeInterrupted(db), tempFiles: removeStaleTempFiles(path.join(dataDir(), 'config')) };
}
