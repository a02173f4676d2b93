/**
 * Load over HTTP: concurrent signed-in clients against a built cell holding 1,000 peers.
 *   npm run build && sudo ./node_modules/.bin/tsx bench/load.ts [--clients 50] [--seconds 60]
 * Every client repeats the same mix of 20 requests: 8 list pages, 4 byId, 3 config
 * downloads, 2 creates, 2 updates, 1 enable/disable. Prints requests per second, p50/p99
 * per kind, errors (with the first message of each kind), and the server's memory at the
 * start, at the end and 60 s later.
 */
import { BENCH_ADMIN, CellClient, ms, pct, setUpOverHttp, startHttpCell } from './http-cell';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg('clients', 50);
const SECONDS = arg('seconds', 60);
const PEERS = 1000;

type Kind = 'list' | 'byId' | 'config' | 'create' | 'update' | 'toggle';
const MIX: Kind[] = [
  ...Array<Kind>(8).fill('list'),
  ...Array<Kind>(4).fill('byId'),
  ...Array<Kind>(3).fill('config'),
  ...Array<Kind>(2).fill('create'),
  ...Array<Kind>(2).fill('update'),
  'toggle',
];

async function main() {
  const cell = await startHttpCell('load');
  try {
    const admin = await setUpOverHttp(cell.base);
    const csv = ['name,routingPolicy', ...Array.from({ length: PEERS }, (_, i) => `peer-${i},cell`)].join('\n');
    const { created } = await admin.mutate<{ created: number[] }>('peers.importMany', { csv });
    const ids = created;
    // One after another: concurrent sign-ins to one account are what the login limit refuses.
    const clients: CellClient[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const c = new CellClient(cell.base);
      await c.signIn(BENCH_ADMIN.username, BENCH_ADMIN.password);
      clients.push(c);
    }
    const rssStart = cell.rssMb();
    const times = new Map<Kind, number[]>(MIX.map((k) => [k, []]));
    const errors = new Map<Kind, { count: number; first: string }>();
    const pick = (seed: number) => ids[Math.abs(Math.imul(seed, 2654435761)) % ids.length]!;
    const until = Date.now() + SECONDS * 1000;

    const request = async (c: CellClient, kind: Kind, client: number, i: number) => {
      const id = pick(client * 100_003 + i);
      switch (kind) {
        case 'list':
          return c.query('peers.list', { page: 1 + (i % 20), pageSize: 50, search: i % 5 ? undefined : 'peer-1' });
        case 'byId':
          return c.query('peers.byId', { id });
        case 'config': {
          const res = await c.get(`/api/peers/${id}/config`);
          const text = await res.text();
          if (res.status !== 200 || !text.includes('[Interface]')) throw new Error(`config: ${res.status}`);
          return text;
        }
        case 'create':
          return c.mutate('peers.create', { name: `load-${client}-${i}`, routingPolicy: 'cell' });
        case 'update':
          return c.mutate('peers.update', { id, peerToPeer: i % 2 === 0 });
        case 'toggle':
          return c.mutate('peers.setEnabled', { id, enabled: i % 2 === 0 });
      }
    };

    const started = Date.now();
    await Promise.all(
      clients.map(async (c, client) => {
        for (let i = 0; Date.now() < until; i++) {
          const kind = MIX[(i + client) % MIX.length]!;
          const t = performance.now();
          try {
            await request(c, kind, client, i);
            times.get(kind)!.push(performance.now() - t);
          } catch (err) {
            const e = errors.get(kind) ?? { count: 0, first: (err as Error).message };
            e.count++;
            errors.set(kind, e);
          }
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const rssEnd = cell.rssMb();
    await new Promise((r) => setTimeout(r, 60_000));
    const rssLater = cell.rssMb();

    const total = [...times.values()].reduce((s, t) => s + t.length, 0);
    const failed = [...errors.values()].reduce((s, e) => s + e.count, 0);
    console.log(`load: ${CLIENTS} clients for ${SECONDS} s at ${PEERS} peers (mix per 20: ${MIX.join(' ')})`);
    console.log(`  ${total} requests, ${(total / elapsed).toFixed(0)} per second; ${failed} errors (target 0)`);
    for (const [kind, t] of times)
      console.log(
        `  ${kind.padEnd(7)} n=${String(t.length).padStart(6)}  p50 ${ms(pct(t, 50))}  p99 ${ms(pct(t, 99))}${errors.has(kind) ? `  errors ${errors.get(kind)!.count}: ${errors.get(kind)!.first}` : ''}`,
      );
    console.log(
      `  server RSS: ${rssStart.toFixed(0)} MB at the start, ${rssEnd.toFixed(0)} MB at the end, ${rssLater.toFixed(0)} MB 60 s later`,
    );
  } finally {
    cell.stop();
  }
}
void main();
