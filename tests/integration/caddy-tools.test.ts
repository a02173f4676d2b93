/** Every rendered Caddy config through Debian's `caddy validate` (modules provisioned, the cell's leaf certificates loaded). */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cellSignedHosts,
  renderCaddyConfig,
  renderSetupSiteConfig,
  tlsFiles,
  wildcardFiles,
  type SetupSiteModel,
} from '@/server/managers/routes/render';
import { certToPem, createIntermediate, createRoot, issueLeaf, keyToPem, newKey } from '@/server/managers/vault/x509';
import { CADDY } from '../helpers/caddy-fixtures';
import { goldenInputs } from '../helpers/golden';
import { requireTools } from '../helpers/netns';

const ready = requireTools('the Caddy config suite', ['caddy'], 'apt-get install caddy');

describe.skipIf(!ready)('caddy validate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-caddy-'));

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'tls'));
    const rootKey = await newKey(2048);
    const root = createRoot('home', rootKey);
    const interKey = await newKey(2048);
    const issuer = {
      cert: createIntermediate(
        'home',
        interKey,
        { cert: root, key: rootKey },
        { dns: ['cell', 'home.home.arpa', 'example.org'], cidrs: ['10.0.0.0/8'] },
      ),
      key: interKey,
    };
    // The leaves the cell would hand Caddy for every model's signed hosts.
    const hosts = new Set([...Object.values(CADDY).flatMap((m) => cellSignedHosts(m)), 'setup.cell']);
    // And, in a DNS-01 mode, the certificate the cell got for the domain and its wildcard.
    const wildcards = Object.values(CADDY).flatMap((m) => (m.dns01?.loaded ? [m.domain] : []));
    const leaves = [
      ...[...hosts].map((h) => ({ sans: [h], files: tlsFiles(h) })),
      ...wildcards.map((d) => ({ sans: [d, `*.${d}`], files: wildcardFiles(d) })),
    ];
    for (const { sans, files } of leaves) {
      const key = await newKey(2048);
      const leaf = issueLeaf(
        {
          kind: 'server',
          commonName: sans[0]!,
          sans,
          validityDays: 30,
          crlUrl: 'http://home.home.arpa/api/vault/crl',
        },
        key,
        issuer,
      );
      fs.writeFileSync(path.join(dir, files.certificate), certToPem(leaf) + certToPem(issuer.cert));
      fs.writeFileSync(path.join(dir, files.key), keyToPem(key), { mode: 0o600 });
    }
  }, 60_000);

  const validate = (config: string) => {
    const file = path.join(dir, 'caddy.json');
    fs.writeFileSync(file, config);
    return spawnSync('caddy', ['validate', '--config', file], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
  };

  it.each(['lan', 'empty', 'http01', 'service-clients', 'cloudflare'])('%s is valid', (name) => {
    const result = validate(renderCaddyConfig({ ...CADDY[name]!, configRoot: dir, stateRoot: dir }));
    expect(result.stderr + result.stdout).toContain('Valid configuration');
    expect(result.status).toBe(0);
    expect(execFileSync('caddy', ['version'], { encoding: 'utf8' })).toMatch(/^v?2\./);
  });

  it.each(Object.entries(goldenInputs<SetupSiteModel>('caddy-setup')))('the setup site (%s) is valid', (_, model) => {
    const result = validate(renderSetupSiteConfig({ ...model, configRoot: dir, stateRoot: dir }));
    expect(result.stderr + result.stdout).toContain('Valid configuration');
    expect(result.status).toBe(0);
  });
});
