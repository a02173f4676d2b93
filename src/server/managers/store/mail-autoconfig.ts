/**
 * Thunderbird's autoconfig (`config-v1.1.xml`) for the cell's mail: IMAP over TLS on 993 and
 * submission with STARTTLS on 587 at the mail host, the whole address as the username. The
 * renderer is pure and escapes every value; the document exists only while mail is installed.
 */
import type { DbOrTx } from '../../db';
import { cellFacts } from '../cell';
import { GENERATED } from '../render-guard';
import { fillPlaceholders } from './model';
import { instanceRows, manifestOfRow } from './state';

export interface AutoconfigModel {
  domain: string;
  cellName: string;
  host: string;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function renderMailAutoconfig(m: AutoconfigModel): string {
  const server = (tag: string, type: string, port: number, socket: string) => [
    `    <${tag} type="${type}">`,
    `      <hostname>${xml(m.host)}</hostname>`,
    `      <port>${port}</port>`,
    `      <socketType>${socket}</socketType>`,
    '      <authentication>password-cleartext</authentication>',
    '      <username>%EMAILADDRESS%</username>',
    `    </${tag}>`,
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- ${GENERATED} -->`,
    '<clientConfig version="1.1">',
    `  <emailProvider id="${xml(m.domain)}">`,
    `    <domain>${xml(m.domain)}</domain>`,
    `    <displayName>${xml(`${m.cellName} mail`)}</displayName>`,
    `    <displayShortName>${xml(m.cellName)}</displayShortName>`,
    ...server('incomingServer', 'imap', 993, 'SSL'),
    ...server('outgoingServer', 'smtp', 587, 'STARTTLS'),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}

/** The cell's mail settings while a mail service is installed; null otherwise. */
export function mailAutoconfig(tx: DbOrTx): string | null {
  const row = instanceRows(tx).find((r) => r.state !== 'removing' && manifestOfRow(r).category === 'mail');
  if (!row) return null;
  const facts = cellFacts(tx);
  const hostInstruction = manifestOfRow(row).peerInstructions.find((i) => i.kind === 'host');
  const host = hostInstruction
    ? fillPlaceholders(hostInstruction.value, { domain: facts.domain, instance: row.id })
    : `mail.${facts.domain}`;
  return renderMailAutoconfig({ domain: facts.domain, cellName: facts.name, host });
}
