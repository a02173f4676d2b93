import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchCosignSignatures,
  ImageSignatureError,
  trustedKey,
  verifyImage,
  type SignatureProblem,
} from '@/server/managers/store';
import { startRegistry } from '../helpers/engine';
import { requireTools } from '../helpers/netns';
import { attachBundle, attachSignature, pushImage, simpleSigningPayload } from '../helpers/registry';

const run = promisify(execFile);

// A registry on loopback (Debian's docker-registry); images and signatures pushed through its
// HTTP API in cosign's attachment format; skopeo copies a signed image with its signature.
const ready = requireTools(
  'the store signature suite',
  ['docker-registry', 'skopeo'],
  'apt-get install docker-registry skopeo',
);

const publisher = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const trusted = [trustedKey('publisher', publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString())];

async function refusal(p: Promise<unknown>): Promise<{ problem: SignatureProblem; message: string }> {
  const err = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageSignatureError);
  return { problem: (err as ImageSignatureError).problem, message: (err as Error).message };
}

describe.skipIf(!ready)('image signatures from a real registry', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let base: string;
  let host: string;
  beforeAll(async () => {
    registry = await startRegistry(15000 + (process.pid % 1000));
    host = registry.address;
    base = `http://${host}`;
  });
  afterAll(() => registry?.stop());

  it('a signed image verifies by its pinned digest; its signature travels with a skopeo copy', async () => {
    const digest = await pushImage(base, 'pic/radicale', '3.2.3', 'radicale');
    await attachSignature(base, 'pic/radicale', digest, publisher.privateKey);
    expect(await verifyImage(`${host}/pic/radicale:3.2.3@${digest}`, trusted)).toEqual({
      keyId: 'publisher',
      kind: 'cosign signature',
    });

    // skopeo copies the image and, told to use sigstore attachments (registries.d), its signature.
    const registriesD = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-registries-d-'));
    fs.writeFileSync(path.join(registriesD, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
    await run(
      'skopeo',
      [
        '--registries.d',
        registriesD,
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${host}/pic/radicale@${digest}`,
        `docker://${host}/mirror/radicale:3.2.3`,
      ],
      {
        env: { ...process.env, HOME: '/tmp' },
      },
    );
    const copied = await fetchCosignSignatures(`${host}/mirror/radicale@${digest}`, digest);
    expect(copied).toHaveLength(1);
    // The copy keeps the signed identity: it verifies against the repository it was signed for.
    const refused = await refusal(verifyImage(`${host}/mirror/radicale@${digest}`, trusted));
    expect(refused.problem).toBe('reference');
    expect(refused.message).toContain(`is for ${host}/pic/radicale`);
  });

  it('through a mirror (PIC_REGISTRY_MIRROR), the image keeps its own name and its signature verifies', async () => {
    const digest = await pushImage(base, 'pic/tor', '0.4', 'tor');
    await attachSignature(base, 'pic/tor', digest, publisher.privateKey, { reference: 'registry.example.org/pic/tor' });
    expect(await verifyImage(`registry.example.org/pic/tor:0.4@${digest}`, trusted, { mirror: base })).toEqual({
      keyId: 'publisher',
      kind: 'cosign signature',
    });
  });

  it('a sigstore bundle attached as an OCI referrer verifies; under another key or for another digest it is refused', async () => {
    const digest = await pushImage(base, 'pic/bundled', '1', 'bundled');
    await attachBundle(base, 'pic/bundled', digest, publisher.privateKey);
    expect(await verifyImage(`${host}/pic/bundled:1@${digest}`, trusted)).toEqual({
      keyId: 'publisher',
      kind: 'sigstore bundle',
    });

    const other = await pushImage(base, 'pic/bundled', '2', 'bundled v2');
    await attachBundle(base, 'pic/bundled', other, stranger.privateKey);
    expect(await refusal(verifyImage(`${host}/pic/bundled@${other}`, trusted))).toMatchObject({
      problem: 'untrusted',
      message: expect.stringMatching(/sigstore bundle .* does not verify under any trusted key/),
    });

    const third = await pushImage(base, 'pic/bundled', '3', 'bundled v3');
    await attachBundle(base, 'pic/bundled', third, publisher.privateKey, { subjectDigest: digest });
    expect(await refusal(verifyImage(`${host}/pic/bundled@${third}`, trusted))).toMatchObject({
      problem: 'digest',
      message: expect.stringMatching(new RegExp(`signed by publisher is for ${digest}, not ${third}`)),
    });
  });

  it('refuses, each with its own message: untrusted key, unsigned, another digest, another reference, a changed payload, no digest', async () => {
    const digest = await pushImage(base, 'pic/files', '1', 'files');
    const other = await pushImage(base, 'pic/files', '2', 'files v2');

    await attachSignature(base, 'pic/files', digest, stranger.privateKey);
    expect(await refusal(verifyImage(`${host}/pic/files@${digest}`, trusted))).toMatchObject({
      problem: 'untrusted',
      message: expect.stringMatching(/does not verify under any trusted key/),
    });

    const unsigned = await pushImage(base, 'pic/unsigned', '1', 'nobody signed me');
    expect(await refusal(verifyImage(`${host}/pic/unsigned@${unsigned}`, trusted))).toMatchObject({
      problem: 'unsigned',
      message: expect.stringMatching(/is not signed/),
    });

    // A true signature, but of the other digest, attached to this one.
    await attachSignature(base, 'pic/files', other, publisher.privateKey, {
      payload: simpleSigningPayload(digest, `${host}/pic/files`),
    });
    expect(await refusal(verifyImage(`${host}/pic/files@${other}`, trusted))).toMatchObject({
      problem: 'digest',
      message: expect.stringMatching(new RegExp(`is for ${digest}, not for the pinned ${other}`)),
    });

    const third = await pushImage(base, 'pic/files', '3', 'files v3');
    await attachSignature(base, 'pic/files', third, publisher.privateKey, { reference: `${host}/pic/calendar` });
    expect(await refusal(verifyImage(`${host}/pic/files@${third}`, trusted))).toMatchObject({
      problem: 'reference',
      message: expect.stringMatching(/is for .*pic\/calendar/),
    });

    const fourth = await pushImage(base, 'pic/files', '4', 'files v4');
    const signed = simpleSigningPayload(fourth, `${host}/pic/files`);
    const changed = Buffer.from(signed);
    changed[changed.indexOf('cosign container') + 2] ^= 0x01;
    await attachSignature(base, 'pic/files', fourth, publisher.privateKey, { payload: changed, signedPayload: signed });
    expect(await refusal(verifyImage(`${host}/pic/files@${fourth}`, trusted))).toMatchObject({
      problem: 'untrusted',
      message: expect.stringMatching(/payload was changed/),
    });

    expect(await refusal(verifyImage(`${host}/pic/files:1`, trusted))).toMatchObject({
      problem: 'malformed',
      message: expect.stringMatching(/not pinned by digest/),
    });
  });
});
