import { spawnSync } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { backupOperationDone, createBackup } from '@/server/managers/backup';
import { metricsAuthProblem, metricsText, renderMetrics } from '@/server/managers/metrics';
import { settleChanges } from '@/server/runtime/changes';
import { admin, freshCell, setUp } from '../../helpers/db';
import { withoutEngine } from '../../helpers/store';

const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;
if (process.env.CI === 'true' && !hasPromtool) throw new Error('promtool is missing: apt-get install prometheus');

/** What `promtool check metrics` says of the text (empty: nothing wrong). */
const promtool = (text: string) => {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, said: `${r.stdout}${r.stderr}`.trim() };
};

let db: Db;
beforeEach(async () => {
  ({ db } = freshCell());
  withoutEngine(db);
  await setUp(db);
});

describe('the metrics token', () => {
  it('is off until made, shown once, checked as a bearer token, replaced and revoked', async () => {
    expect(await admin(db).metrics.status()).toEqual({ enabled: false, createdAt: null });
    expect(metricsAuthProblem(db, 'Bearer anything')).toBe('Metrics are off: make a token in Settings');
    const { token } = await admin(db).metrics.createToken();
    expect(token).toMatch(/^pic_[A-Za-z0-9_-]{43}$/);
    expect((await admin(db).metrics.status()).enabled).toBe(true);
    expect(metricsAuthProblem(db, `Bearer ${token}`)).toBeNull();
    expect(metricsAuthProblem(db, null)).toBe('Send the token as Authorization: Bearer <token>');
    expect(metricsAuthProblem(db, token)).toBe('Send the token as Authorization: Bearer <token>');
    expect(metricsAuthProblem(db, `Bearer ${token}x`)).toBe('That token is not the one made in Settings');
    const { token: next } = await admin(db).metrics.createToken();
    expect(metricsAuthProblem(db, `Bearer ${token}`)).toBe('That token is not the one made in Settings');
    expect(metricsAuthProblem(db, `Bearer ${next}`)).toBeNull();
    // Only its hash is stored.
    expect(JSON.stringify(db.$client.prepare('select * from metrics_settings').all())).not.toContain(next);
    await admin(db).metrics.revokeToken();
    expect(metricsAuthProblem(db, `Bearer ${next}`)).toBe('Metrics are off: make a token in Settings');
  });
});

describe('the metrics text', () => {
  it('counts peers, applies and backups, and passes promtool', async () => {
    await admin(db).peers.create({ name: 'laptop', routingPolicy: 'cell' });
    const phone = await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell' });
    await admin(db).peers.setEnabled({ id: phone.id, enabled: false });
    await settleChanges();
    const made = await createBackup(db, { passphrase: 'a long passphrase', trigger: 'manual', scryptWorkFactor: 10 });
    await backupOperationDone(made.operationId);

    const text = await metricsText(db);
    expect(text).toContain('pic_up 1\n');
    expect(text).toContain('pic_peers{state="enabled"} 1\n');
    expect(text).toContain('pic_peers{state="disabled"} 1\n');
    expect(text).toContain('pic_peers_online 0\n');
    expect(text).toMatch(/^pic_peer_receive_bytes_total\{peer="laptop",address="10\.\d+\.\d+\.\d+"\} 0$/m);
    expect(text).toContain('pic_engine_up 0\n');
    expect(text).toMatch(/^pic_apply_runs_total\{applier="dns"\} [1-9]\d*$/m);
    expect(text).toMatch(/^pic_apply_duration_seconds\{applier="dns"\} \d/m);
    expect(text).toContain('pic_backups 1\n');
    expect(text).toMatch(/^pic_backup_verified_age_seconds \d+(\.\d+)?$/m);
    if (hasPromtool) expect(promtool(text)).toEqual({ code: 0, said: '' });
  });

  it('keeps a hostile label value on one line, escaped, and promtool reads it', () => {
    const hostile = 'a"b\\c\nd} e{f="g" ${host} ;';
    const text = renderMetrics([
      {
        name: 'pic_peer_transmit_bytes_total',
        help: 'A help text with a \\ and a\nline break.',
        type: 'counter',
        samples: [{ labels: { peer: hostile }, value: 12 }],
      },
    ]);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('pic_peer_transmit_bytes_total{peer="a\\"b\\\\c\\nd} e{f=\\"g\\" ${host} ;"} 12');
    if (hasPromtool) expect(promtool(text)).toEqual({ code: 0, said: '' });
  });
});
