import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { stackComponents } from '@/server/db/schema';
import { cellFacts } from '@/server/managers/cell';
import { admin, freshCell, setUp } from '../../helpers/db';

describe('cell facts', () => {
  it('read the name, domain, tunnel, cell network, DNS address and public addresses in one place', async () => {
    const { db } = freshCell();
    await setUp(db);
    await admin(db).dns.updateSettings({ publicAddress: '203.0.113.7' });
    expect(cellFacts(db, {})).toEqual({
      name: 'home',
      domain: 'home.home.arpa',
      domainMode: 'lan',
      tunnel: { subnet: '10.0.0.0/24', subnet6: null },
      cellNetwork: { subnet: '172.20.0.0/16', fromEnv: false },
      dns: { host: '172.20.0.3', port: 53 },
      proxy: '172.20.0.2',
      ntp: '172.20.0.4',
      publicAddress: '203.0.113.7',
      publicAddress6: null,
      internalNetworks: ['10.0.0.0/24', '172.20.0.0/16'],
    });
  });

  it('follow PIC_CELL_SUBNET and PIC_DNS_SERVER, and say when DNS or the proxy is off', async () => {
    const { db } = freshCell();
    await setUp(db);
    const facts = cellFacts(db, { PIC_CELL_SUBNET: '172.29.8.0/24', PIC_DNS_SERVER: '127.0.0.1:5353' });
    expect(facts.cellNetwork).toEqual({ subnet: '172.29.8.0/24', fromEnv: true });
    expect(facts.dns).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(() => cellFacts(db, { PIC_DNS_SERVER: 'dns.example:53' })).toThrow(/not an IPv4 address/);
    db.update(stackComponents).set({ enabled: false }).where(eq(stackComponents.component, 'dns')).run();
    expect(cellFacts(db, {}).dns).toBeNull();
    expect(cellFacts(db, { PIC_CELL_SUBNET: '172.29.8.0/24' }).proxy).toBe('172.29.8.2');
    db.update(stackComponents).set({ enabled: false }).where(eq(stackComponents.component, 'caddy')).run();
    expect(cellFacts(db, {}).proxy).toBeNull();
  });

  it('refuse before setup', () => {
    const { db } = freshCell();
    expect(() => cellFacts(db, {})).toThrow(/not set up/);
  });
});
