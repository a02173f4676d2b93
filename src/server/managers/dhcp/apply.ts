/** cell-dhcp's dnsmasq.conf from the settings and reservations, and its apply. */
import type { Db } from '../../db';
import { applyConfig, type ConfigApply } from '../config-apply';
import { componentLogLevel } from '../containers';
import { renderDnsmasqConf } from './render';
import { dhcpRow, listReservations } from './state';

export function dnsmasqFiles(db: Db): Map<string, string> {
  const row = dhcpRow(db);
  const conf = renderDnsmasqConf({
    ...row,
    domain: 'cell',
    reservations: listReservations(db),
    logLevel: componentLogLevel(db, 'dhcp'),
  });
  return new Map([['dnsmasq.conf', conf]]);
}

/** Writes `config/dhcp/dnsmasq.conf` and restarts cell-dhcp when it changed. */
export function applyDhcp(db: Db): Promise<ConfigApply> {
  return applyConfig(db, 'dhcp', () => ({ files: dnsmasqFiles(db), reload: 'restart' }));
}
