/**
 * A stand-in for the server under a kill -9: opens the cell's data directory and creates
 * peers and DNS records through the real routers (each with its apply) until it is killed.
 * Prints `ready` once the first change is under way. Run with `node --import tsx`.
 */
import path from 'node:path';
import { openDb } from '../../src/server/db';
import { createCaller } from '../../src/server/routers/_app';

const round = process.argv[2] ?? '0';
const db = openDb(path.join(process.env.PIC_DATA_DIR!, 'cell.db'));
const admin = createCaller({ db, session: { id: 1, username: 'admin', role: 'admin' }, clientAddress: '127.0.0.1' });

async function main() {
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    await admin.peers.create({ name: `c${round}-${i}`, routingPolicy: 'cell' });
    await admin.dns.createRecord({
      zone: 'cell',
      name: `r${round}-${i}`,
      type: 'A',
      value: `10.9.${Number(round) % 250}.${(i % 250) + 1}`,
      ttl: 300,
    });
  }
}
void main();
