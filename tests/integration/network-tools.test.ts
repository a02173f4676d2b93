/**
 * Every golden network config through the program that reads it: named-checkzone for
 * zones, chronyd -p for chrony.conf, dnsmasq --test for dnsmasq.conf.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDnsmasqConf } from '@/server/managers/dhcp/render';
import { renderZone } from '@/server/managers/dns/render';
import { renderChronyConf } from '@/server/managers/ntp/render';
import { CHRONY, DNSMASQ, ZONES } from '../helpers/network-fixtures';
import { requireTools } from '../helpers/netns';

const ready = requireTools(
  'network config tool checks',
  ['named-checkzone', 'chronyd', 'dnsmasq'],
  'apt-get install bind9-utils chrony dnsmasq-base',
);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-nettools-'));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe.skipIf(!ready)('real tools accept the rendered configs', () => {
  it.each(Object.keys(ZONES))('named-checkzone accepts zone %s', (name) => {
    const zone = ZONES[name]!;
    const file = write(`${name}.zone`, renderZone(zone));
    const r = spawnSync('named-checkzone', ['-k', 'fail', '-n', 'fail', '-i', 'full', zone.origin, file], {
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr, r.stdout + r.stderr).toMatch(new RegExp(`loaded serial ${zone.serial}\\b[\\s\\S]*OK`));
    expect(r.status).toBe(0);
  });

  it('named-checkzone reads the hostile TXT back as one record with the original text', () => {
    const file = write('hostile.zone', renderZone(ZONES['cell-hostile-txt']!));
    const out = execFileSync('named-checkzone', ['-D', '-o', '-', 'cell', file], { encoding: 'utf8' });
    const txt = out.split('\n').filter((l) => /\sTXT\s/.test(l));
    expect(txt).toHaveLength(1);
    expect(txt[0]).toContain(
      '"a \\"quote\\"; a \\\\backslash\\010$INCLUDE /etc/passwd\\010} { \\195\\188n\\195\\175code"',
    );
  });

  it.each(Object.keys(CHRONY))('chronyd -p accepts chrony.conf %s', (name) => {
    const file = write(`${name}.chrony.conf`, renderChronyConf(CHRONY[name]!));
    const r = spawnSync('chronyd', ['-p', '-f', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // chronyd prints the directives it understood.
    expect(r.stdout).toContain(CHRONY[name]!.localStratum === null ? 'makestep' : 'local stratum');
  });

  it.each(Object.keys(DNSMASQ))('dnsmasq --test accepts dnsmasq.conf %s', (name) => {
    const file = write(`${name}.dnsmasq.conf`, renderDnsmasqConf(DNSMASQ[name]!));
    const r = spawnSync('dnsmasq', ['--test', '-C', file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/syntax check OK/);
    expect(r.status).toBe(0);
  });

  it('the checks are real: a broken zone and a broken dnsmasq.conf are refused', () => {
    const zone = write(
      'broken.zone',
      renderZone(ZONES['cell-empty']!).replace('ns\tIN\tA\t10.0.0.1', 'ns\tIN\tA\t10.0.0.300'),
    );
    expect(spawnSync('named-checkzone', ['cell', zone]).status).not.toBe(0);
    const conf = write('broken.dnsmasq.conf', `${renderDnsmasqConf(DNSMASQ.minimal!)}no-such-option=1\n`);
    expect(spawnSync('dnsmasq', ['--test', '-C', conf]).status).not.toBe(0);
  });
});
