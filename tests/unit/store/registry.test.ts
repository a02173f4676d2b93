import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fetchCosignSignatures, parseImage, RegistryError, signatureTag } from '@/server/managers/store';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const payload = Buffer.from('{"critical":{}}');
const layerDigest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;

/** A registry that wants an anonymous token first, as Docker Hub and GHCR do. */
function tokenRegistry(opts: { blob?: Buffer; missing?: boolean } = {}) {
  const seen: string[] = [];
  const fake = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    const auth = new Headers(init?.headers).get('authorization');
    seen.push(`${url} ${auth ?? ''}`.trim());
    if (url.startsWith('https://auth.example/token')) return Response.json({ token: 'anon-token' });
    if (auth !== 'Bearer anon-token')
      return new Response('', {
        status: 401,
        headers: {
          'www-authenticate':
            'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:pic/x:pull"',
        },
      });
    if (url.endsWith(`/manifests/${signatureTag(DIGEST)}`))
      return opts.missing
        ? new Response('', { status: 404 })
        : Response.json({
            layers: [
              {
                mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
                digest: layerDigest,
                annotations: { 'dev.cosignproject.cosign/signature': 'c2ln' },
              },
              { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest },
            ],
          });
    if (url.endsWith(`/blobs/${layerDigest}`)) return new Response(new Uint8Array(opts.blob ?? payload));
    return new Response('', { status: 500 });
  }) as typeof fetch;
  return { fake, seen };
}

describe('the registry client', () => {
  it('follows the anonymous token challenge and returns the simple-signing layers', async () => {
    const { fake, seen } = tokenRegistry();
    const sigs = await fetchCosignSignatures(`registry.example/pic/x:1@${DIGEST}`, DIGEST, { fetch: fake });
    expect(sigs).toEqual([{ payload, signature: 'c2ln' }]);
    expect(seen[0]).toBe(`https://registry.example/v2/pic/x/manifests/sha256-${'ab'.repeat(32)}.sig`);
    expect(seen[1]).toBe('https://auth.example/token?service=registry.example&scope=repository%3Apic%2Fx%3Apull');
  });

  it('no signature tag means no signatures; a payload that does not match its digest is refused', async () => {
    expect(
      await fetchCosignSignatures(`registry.example/pic/x@${DIGEST}`, DIGEST, {
        fetch: tokenRegistry({ missing: true }).fake,
      }),
    ).toEqual([]);
    await expect(
      fetchCosignSignatures(`registry.example/pic/x@${DIGEST}`, DIGEST, {
        fetch: tokenRegistry({ blob: Buffer.from('other') }).fake,
      }),
    ).rejects.toThrow(RegistryError);
  });

  it('speaks plain HTTP only to loopback, and a mirror answers for every registry', async () => {
    const urls: string[] = [];
    const record = (async (input: string | URL) => {
      urls.push(String(input));
      return new Response('', { status: 404 });
    }) as typeof fetch;
    await fetchCosignSignatures(`localhost:5000/a@${DIGEST}`, DIGEST, { fetch: record });
    await fetchCosignSignatures(`ghcr.io/a/b@${DIGEST}`, DIGEST, { fetch: record });
    await fetchCosignSignatures(`radicale@${DIGEST}`, DIGEST, { fetch: record, mirror: 'http://127.0.0.1:5001/' });
    expect(urls.map((u) => u.split('/manifests/')[0])).toEqual([
      'http://localhost:5000/v2/a',
      'https://ghcr.io/v2/a/b',
      'http://127.0.0.1:5001/v2/library/radicale',
    ]);
  });

  it.each([
    ['radicale', { registry: 'registry-1.docker.io', repository: 'library/radicale', digest: null }],
    [`a/b:1@${DIGEST}`, { registry: 'registry-1.docker.io', repository: 'a/b', digest: DIGEST }],
    ['localhost:5000/pic/x:2', { registry: 'localhost:5000', repository: 'pic/x', digest: null }],
  ])('%s', (ref, parsed) => {
    expect(parseImage(ref)).toEqual(parsed);
  });
});
