/** cell-ntp's chrony.conf (who may ask: the cell's internal networks) and its apply. */
import type { Db } from '../../db';
import { applyConfig, type ConfigApply } from '../config-apply';
import { cellFacts } from '../cell';
import { renderChronyConf } from './render';
import { ntpRow } from './state';

export function chronyFiles(db: Db): Map<string, string> {
  const row = ntpRow(db);
  return new Map([
    [
      'chrony.conf',
      renderChronyConf({ sources: row.sources, allow: cellFacts(db).internalNetworks, localStratum: row.localStratum }),
    ],
  ]);
}

/** Writes `config/ntp/chrony.conf` and restarts cell-ntp when it changed. */
export function applyNtp(db: Db): Promise<ConfigApply> {
  return applyConfig(db, 'ntp', () => ({ files: chronyFiles(db), reload: 'restart' }));
}
