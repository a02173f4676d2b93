import type Docker from 'dockerode';
import { beforeEach, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { GET as autoconfig } from '@/app/.well-known/autoconfig/mail/config-v1.1.xml/route';
import type { Db } from '@/server/db';
import { loadDnsInputs } from '@/server/managers/dns/state';
import { renderDnsFiles } from '@/server/managers/dns/model';
import { serviceRecords } from '@/server/managers/store';
import { tlsBeforeStart } from '@/server/managers/store/tls';
import { ensureCa } from '@/server/managers/vault';
import { settleChanges } from '@/server/runtime/changes';
import { admin, freshCell, setUp } from '../../helpers/db';
import { installedRow, withoutEngine } from '../../helpers/store';

let db: Db;
beforeEach(async () => {
  ({ db } = freshCell());
  withoutEngine(db);
  await setUp(db);
  await settleChanges();
});

const fetchAutoconfig = () => autoconfig(new NextRequest('http://cell/.well-known/autoconfig/mail/config-v1.1.xml'));

describe('mail in the DNS and for mail clients', () => {
  it("puts MX, SPF, DMARC and the SRV records in the domain's zone, the mail host inside at its address and outside at the public one", async () => {
    expect(serviceRecords(db)).toEqual([]);
    installedRow(db, 'mail', { hostIndex: 22 });
    expect(serviceRecords(db).map((r) => `${r.name} ${r.type} ${r.value}`)).toEqual([
      'mail A 172.20.0.22',
      '@ MX 10 mail',
      '@ TXT v=spf1 mx -all',
      '_dmarc TXT v=DMARC1; p=quarantine; rua=mailto:postmaster@home.home.arpa',
      '_imaps._tcp SRV 0 1 993 mail',
      '_submission._tcp SRV 0 1 587 mail',
    ]);
    await admin(db).dns.updateSettings({ publicAddress: '198.51.100.7' });
    const files = renderDnsFiles(loadDnsInputs(db)!, 1);
    const internal = files.get('home.home.arpa.internal.zone')!;
    const external = files.get('home.home.arpa.external.zone')!;
    expect(internal).toMatch(/^mail\t300\tIN\tA\t172\.20\.0\.22\t; service mail$/m);
    expect(external).toMatch(/^mail\t300\tIN\tA\t198\.51\.100\.7\t; service mail$/m);
    for (const zone of [internal, external]) {
      expect(zone).toMatch(/^@\t300\tIN\tMX\t10 mail\t; service mail$/m);
      expect(zone).toMatch(/^_submission\._tcp\t300\tIN\tSRV\t0 1 587 mail\t; service mail$/m);
      expect(zone).toContain('"v=spf1 mx -all"');
    }
  });

  it('serves the autoconfig document only while mail is installed, naming the mail host and ports', async () => {
    expect((await fetchAutoconfig()).status).toBe(404);
    installedRow(db, 'mail', { hostIndex: 22 });
    const res = await fetchAutoconfig();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toContain('<emailProvider id="home.home.arpa">');
    expect(xml).toMatch(
      /<incomingServer type="imap">\s*<hostname>mail\.home\.home\.arpa<\/hostname>\s*<port>993<\/port>\s*<socketType>SSL<\/socketType>/,
    );
    expect(xml).toMatch(
      /<outgoingServer type="smtp">\s*<hostname>mail\.home\.home\.arpa<\/hostname>\s*<port>587<\/port>\s*<socketType>STARTTLS<\/socketType>/,
    );
  });
});

describe("mail's certificate before its container first starts", () => {
  /** A made container that says who it runs as, and keeps what it is given. */
  const madeContainer = (user: string) => {
    const put: { archive: Buffer; path: string }[] = [];
    const container = {
      inspect: async () => ({ Config: { User: user } }),
      putArchive: async (archive: Buffer, opts: { path: string }) => void put.push({ archive, path: opts.path }),
    };
    return { container: container as unknown as Docker.Container, put };
  };

  it('goes into its volume when it runs as root, the key readable by root alone; not for another user', async () => {
    installedRow(db, 'mail');
    await ensureCa(db);
    const root = madeContainer('');
    expect(await tlsBeforeStart(db, 'mail', root.container)).toBe(
      'its certificate for mail.home.home.arpa in place before it started',
    );
    expect(root.put).toHaveLength(1);
    const tar = root.put[0]!.archive.toString('latin1');
    expect(tar).toContain('tmp/docker-mailserver/ssl/cert.pem');
    expect(tar).toContain('-----BEGIN CERTIFICATE-----');
    // ustar mode field of the key: 0600.
    const key = tar.indexOf('tmp/docker-mailserver/ssl/key.pem');
    expect(tar.slice(key + 100, key + 107)).toBe('0000600');
    const other = madeContainer('vmail');
    expect(await tlsBeforeStart(db, 'mail', other.container)).toBeNull();
    expect(other.put).toEqual([]);
  });

  it('waits without the CA, and is nothing for a service that serves no TLS of its own', async () => {
    installedRow(db, 'mail');
    expect(await tlsBeforeStart(db, 'mail', madeContainer('root').container)).toBeNull();
    await ensureCa(db);
    installedRow(db, 'calendar', { hostIndex: 21 });
    expect(await tlsBeforeStart(db, 'calendar', madeContainer('root').container)).toBeNull();
  });
});
