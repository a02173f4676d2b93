import forge from 'node-forge';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { signedProfile } from '@/server/managers/portal';
import { renderProfile, stableUuid, type ProfileModel } from '@/server/managers/portal/render-profile';
import { syncAccounts } from '@/server/managers/store';
import { ensureCa } from '@/server/managers/vault';
import { settleChanges } from '@/server/runtime/changes';
import { admin, freshCell, setUp } from '../../helpers/db';
import { goldenCases } from '../../helpers/golden';
import { installedRow, withoutEngine } from '../../helpers/store';

type Input = Omit<ProfileModel, 'root'> & { root: { der: string; name: string } };
const model = (i: Input): ProfileModel => ({ ...i, root: { ...i.root, der: Buffer.from(i.root.der, 'base64') } });

describe('the configuration profile', () => {
  it.each(goldenCases<Input>('mobileconfig'))('renders $name', async ({ input, expected }) => {
    await expect(renderProfile(model(input))).toMatchFileSnapshot(expected);
  });

  it('keeps hostile names inside their strings', () => {
    const [hostile] = goldenCases<Input>('mobileconfig').filter((c) => c.name === 'hostile');
    const xml = renderProfile(model(hostile!.input));
    expect(xml).not.toContain('<key>PayloadType</key><string>x');
    expect(xml.includes('\u0001') || xml.includes('\u0007')).toBe(false);
    expect(xml.match(/<key>PayloadType<\/key>/g)).toHaveLength(2);
  });

  it('gives a payload the same UUID every time, and another payload another', () => {
    expect(stableUuid('cell.x.alice', 'root')).toBe(stableUuid('cell.x.alice', 'root'));
    expect(stableUuid('cell.x.alice', 'root')).not.toBe(stableUuid('cell.x.alice', 'tunnel'));
    expect(stableUuid('a')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-A[0-9A-F]{3}-[0-9A-F]{12}$/);
  });
});

describe("a peer's signed profile", () => {
  let db: Db;
  beforeEach(async () => {
    ({ db } = freshCell());
    withoutEngine(db);
    await setUp(db);
    await ensureCa(db);
    await settleChanges();
  });

  it('is a PKCS#7 signature by the cell over the tunnel, its root and the calendar account', async () => {
    installedRow(db, 'calendar');
    const { id } = await admin(db).peers.create({ name: 'phone', routingPolicy: 'cell' });
    const login = await admin(db).peers.createLogin({ peerId: id, username: 'alice', mode: 'link' });
    await syncAccounts(db);

    const { filename, der } = await signedProfile(db, login.userId);
    expect(filename).toBe('home-alice.mobileconfig');
    const asn1 = forge.asn1.fromDer(der.toString('binary'));
    const p7 = forge.pkcs7.messageFromAsn1(asn1) as forge.pkcs7.PkcsSignedData;
    const signer = p7.certificates[0]!;
    expect(signer.subject.getField('CN').value).toBe('home profile signing');
    expect(signer.issuer.getField('CN').value).toBe('home intermediate CA');
    // ContentInfo → [0] → SignedData → its third item, the encapsulated content → [0] → the octets.
    const children = (node: forge.asn1.Asn1) => node.value as forge.asn1.Asn1[];
    const signedData = children(children(asn1)[1]!)[0]!;
    const encapsulated = children(signedData)[2]!;
    const octets = children(children(encapsulated)[1]!)[0]!;
    const xml = Buffer.from(octets.value as string, 'binary').toString('utf8');
    for (const type of [
      'com.apple.security.root',
      'com.apple.vpn.managed',
      'com.apple.caldav.account',
      'com.apple.carddav.account',
    ])
      expect(xml).toContain(`<string>${type}</string>`);
    expect(xml).toContain('<string>calendar.home.home.arpa</string>');
    expect(xml).not.toContain('com.apple.mail.managed');
    // The signing certificate is the vault's to list (and revoke), issued once.
    await signedProfile(db, login.userId);
    const signing = (await admin(db).vault.list()).filter((c) => c.kind === 'signing');
    expect(signing).toHaveLength(1);
  });
});
