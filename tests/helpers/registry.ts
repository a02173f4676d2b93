/**
 * Images and cosign signatures pushed to a local registry through the registry HTTP API v2,
 * in exactly cosign's attachment format: an OCI manifest tagged `sha256-<hex>.sig` with one
 * simple-signing layer and the base64 ECDSA signature in its annotation.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { bundleToJSON, toDSSEBundle } from '@sigstore/bundle';
import { indexKeyId, signIndex } from '@/server/managers/store';
import { push } from './engine';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export async function pushBlob(base: string, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = digestOf(bytes);
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`upload start: ${start.status}`);
  const location = new URL(start.headers.get('location')!, base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: new Uint8Array(bytes),
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
  return { digest, size: bytes.length };
}

export async function pushManifest(
  base: string,
  repo: string,
  ref: string | null,
  manifest: object,
  mediaType = OCI_MANIFEST,
): Promise<string> {
  const body = Buffer.from(JSON.stringify(manifest));
  // No ref: pushed by its own digest (a referrer, as cosign pushes it).
  const r = await fetch(`${base}/v2/${repo}/manifests/${ref ?? digestOf(body)}`, {
    method: 'PUT',
    body: new Uint8Array(body),
    headers: { 'content-type': mediaType },
  });
  if (r.status !== 201) throw new Error(`manifest: ${r.status} ${await r.text()}`);
  return digestOf(body);
}

/** A small image (one layer of the given bytes); returns its manifest digest. */
export async function pushImage(base: string, repo: string, tag: string, content = 'hello'): Promise<string> {
  const layer = await pushBlob(base, repo, Buffer.from(content));
  const config = await pushBlob(
    base,
    repo,
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    ),
  );
  return pushManifest(base, repo, tag, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  });
}

/** cosign's simple-signing payload for a digest and a repository. */
export const simpleSigningPayload = (digest: string, reference: string) =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );

/**
 * Attaches a signature to `digest` in `repo`: by default a true one for that digest and the
 * repository; `payload` and `signedPayload` let a test sign one thing and attach another.
 */
export async function attachSignature(
  base: string,
  repo: string,
  digest: string,
  key: KeyObject,
  opts: { payload?: Buffer; signedPayload?: Buffer; reference?: string } = {},
): Promise<void> {
  const reference = opts.reference ?? `${new URL(base).host}/${repo}`;
  const payload = opts.payload ?? simpleSigningPayload(digest, reference);
  const signature = sign('sha256', opts.signedPayload ?? payload, { key, dsaEncoding: 'der' }).toString('base64');
  const layer = await pushBlob(base, repo, payload);
  const config = await pushBlob(
    base,
    repo,
    Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [layer.digest] } })),
  );
  await pushManifest(base, repo, `${digest.replace(':', '-')}.sig`, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers: [{ mediaType: SIMPLE_SIGNING, ...layer, annotations: { 'dev.cosignproject.cosign/signature': signature } }],
  });
}

/**
 * Pushes a local image to a registry as `<registry>/<repo>:<tag>`, signs its manifest digest
 * with `key` (unless none is given) and returns the reference pinned by that digest.
 */
export async function publishImage(
  docker: Docker,
  registry: string,
  local: string,
  repo: string,
  tag: string,
  key?: KeyObject,
): Promise<string> {
  const target = `${registry}/${repo}:${tag}`;
  await docker.getImage(local).tag({ repo: `${registry}/${repo}`, tag });
  await push(docker, target);
  const head = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  const digest = head.headers.get('docker-content-digest');
  if (!digest) throw new Error(`${target} has no digest in the registry (${head.status})`);
  if (key) await attachSignature(`http://${registry}`, repo, digest, key);
  return `${target}@${digest}`;
}

/** A store index on loopback, signed with an Ed25519 key the cell is told to trust; `offer` changes what it lists. */
export async function serveIndex(port = 0) {
  const signer = generateKeyPairSync('ed25519');
  const pem = signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let services: unknown[] = [];
  const server = http.createServer((_req, res) =>
    res.end(JSON.stringify(signIndex({ indexVersion: 1, services }, indexKeyId(pem), signer.privateKey))),
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.json`,
    pem,
    offer(entries: unknown[]) {
      services = entries;
    },
    close: () => server.close(),
  };
}

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';

/** DSSE's pre-authentication encoding: what a DSSE signature covers. */
const pae = (type: string, body: Buffer) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);

const COSIGN_SIGN = 'https://sigstore.dev/cosign/sign/v1';

/** A sigstore bundle (v0.3, JSON) as cosign makes one for an image: DSSE over an in-toto statement naming its digest. */
export function sigstoreBundle(key: KeyObject, name: string, digest: string) {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: digest.slice('sha256:'.length) } }],
    predicateType: COSIGN_SIGN,
    predicate: {},
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const signature = sign('sha256', pae(IN_TOTO, payload), { key, dsaEncoding: 'der' });
  return bundleToJSON(toDSSEBundle({ artifact: payload, artifactType: IN_TOTO, signature, keyHint: '' }));
}

/**
 * Attaches a sigstore bundle to `digest` in `repo` as `cosign sign --new-bundle-format`
 * does: a DSSE envelope over an in-toto statement naming the digest (or `subjectDigest`),
 * in a referrer manifest whose subject is the image, listed in the `sha256-<hex>` index
 * that clients keep for a registry without the referrers API (Debian's registry is one).
 */
export async function attachBundle(
  base: string,
  repo: string,
  digest: string,
  key: KeyObject,
  opts: { subjectDigest?: string } = {},
): Promise<void> {
  const bundle = sigstoreBundle(key, `${new URL(base).host}/${repo}`, opts.subjectDigest ?? digest);
  const layer = await pushBlob(base, repo, Buffer.from(JSON.stringify(bundle)));
  const config = await pushBlob(base, repo, Buffer.from('{}'));
  const image = await fetch(`${base}/v2/${repo}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } });
  const imageBytes = Buffer.from(await image.arrayBuffer());
  const annotations = {
    'dev.sigstore.bundle.content': 'dsse-envelope',
    'dev.sigstore.bundle.predicateType': COSIGN_SIGN,
  };
  const referrer = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', ...config },
    layers: [{ mediaType: BUNDLE, ...layer }],
    subject: { mediaType: image.headers.get('content-type') ?? OCI_MANIFEST, digest, size: imageBytes.length },
    annotations,
  };
  const referrerDigest = await pushManifest(base, repo, null, referrer);
  await pushManifest(
    base,
    repo,
    digest.replace(':', '-'),
    {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: referrerDigest,
          size: Buffer.byteLength(JSON.stringify(referrer)),
          artifactType: BUNDLE,
          annotations,
        },
      ],
    },
    OCI_INDEX,
  );
}
