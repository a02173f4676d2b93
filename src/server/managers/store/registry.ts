/**
 * Just enough of the registry HTTP API v2 to read an image's cosign signatures: the manifest
 * at the `sha256-<hex>.sig` tag and its simple-signing layers, with the registry's anonymous
 * token flow. A mirror (`PIC_REGISTRY_MIRROR`, e.g. a registry on loopback for air-gapped
 * cells) answers for every registry.
 */
import { createHash } from 'node:crypto';
import type { CosignSignature } from './cosign';
import { parseImage } from './image-ref';

export { parseImage, type ImageName } from './image-ref';

export class RegistryError extends Error {}

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** The cosign tag that holds the signatures of a manifest digest. */
export const signatureTag = (digest: string) => `${digest.replace(':', '-')}.sig`;

type Fetch = typeof fetch;

export interface RegistryOptions {
  /** `http(s)://host[:port]` answering for every registry. */
  mirror?: string | null;
  fetch?: Fetch;
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);

function baseOf(registry: string, mirror: string | null | undefined): string {
  if (mirror) return mirror.replace(/\/+$/, '');
  // Plain HTTP only on loopback (a local registry); everywhere else TLS.
  return `${isLoopback(registry) ? 'http' : 'https'}://${registry}`;
}

/** A GET that follows the registry's anonymous bearer-token challenge once. */
async function get(doFetch: Fetch, url: string, accept: string): Promise<Response> {
  const first = await doFetch(url, { headers: { accept } });
  if (first.status !== 401) return first;
  const challenge = first.headers.get('www-authenticate') ?? '';
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
  );
  if (!/^Bearer /i.test(challenge) || !params.realm)
    throw new RegistryError(`${new URL(url).host} asks for credentials the cell does not have`);
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set('service', params.service);
  if (params.scope) tokenUrl.searchParams.set('scope', params.scope);
  const tokenResponse = await doFetch(tokenUrl);
  if (!tokenResponse.ok) throw new RegistryError(`No anonymous token from ${tokenUrl.host} (${tokenResponse.status})`);
  const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new RegistryError(`${tokenUrl.host} sent no token`);
  return doFetch(url, { headers: { accept, authorization: `Bearer ${token}` } });
}

interface OciManifest {
  layers?: { mediaType?: string; digest?: string; size?: number; annotations?: Record<string, string> }[];
}

/**
 * The cosign signatures attached to an image's manifest digest; empty when the image has
 * none. Each layer's bytes are checked against its digest before they are used.
 */
export async function fetchCosignSignatures(
  image: string,
  digest: string,
  opts: RegistryOptions = {},
): Promise<CosignSignature[]> {
  const doFetch = opts.fetch ?? fetch;
  const { registry, repository } = parseImage(image);
  const base = `${baseOf(registry, opts.mirror)}/v2/${repository}`;
  let response: Response;
  try {
    response = await get(doFetch, `${base}/manifests/${signatureTag(digest)}`, MANIFEST_TYPES);
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw new RegistryError(`The registry ${registry} cannot be reached: ${(err as Error).message}`);
  }
  if (response.status === 404) return [];
  if (!response.ok) throw new RegistryError(`The registry ${registry} answered ${response.status} for the signatures`);
  const manifest = (await response.json()) as OciManifest;
  const signatures: CosignSignature[] = [];
  for (const layer of manifest.layers ?? []) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (layer.mediaType !== SIMPLE_SIGNING || !signature || !layer.digest) continue;
    signatures.push({ payload: await blobOf(doFetch, base, registry, layer.digest), signature });
  }
  return signatures;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

interface OciIndex {
  manifests?: { digest?: string; artifactType?: string }[];
}

/** The bytes of a blob, checked against its digest. */
async function blobOf(doFetch: Fetch, base: string, registry: string, digest: string): Promise<Buffer> {
  const blob = await get(doFetch, `${base}/blobs/${digest}`, '*/*');
  if (!blob.ok) throw new RegistryError(`The registry ${registry} answered ${blob.status} for ${digest}`);
  const bytes = Buffer.from(await blob.arrayBuffer());
  if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest)
    throw new RegistryError(`A blob from ${registry} does not match its digest`);
  return bytes;
}

/**
 * The sigstore bundles attached to a manifest digest as OCI referrers: through the
 * registry's referrers API, or the tag `sha256-<hex>` that clients keep for registries
 * without it. Empty when there are none.
 */
export async function fetchSigstoreBundles(
  image: string,
  digest: string,
  opts: RegistryOptions & { artifactType: string },
): Promise<Buffer[]> {
  const doFetch = opts.fetch ?? fetch;
  const { registry, repository } = parseImage(image);
  const base = `${baseOf(registry, opts.mirror)}/v2/${repository}`;
  let index: OciIndex | null = null;
  try {
    const api = await get(
      doFetch,
      `${base}/referrers/${digest}?artifactType=${encodeURIComponent(opts.artifactType)}`,
      OCI_INDEX,
    );
    if (api.ok) index = (await api.json()) as OciIndex;
    else {
      const fallback = await get(doFetch, `${base}/manifests/${digest.replace(':', '-')}`, OCI_INDEX);
      if (fallback.status === 404) return [];
      if (!fallback.ok)
        throw new RegistryError(`The registry ${registry} answered ${fallback.status} for the referrers`);
      index = (await fallback.json()) as OciIndex;
    }
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw new RegistryError(`The registry ${registry} cannot be reached: ${(err as Error).message}`);
  }
  const bundles: Buffer[] = [];
  for (const m of index.manifests ?? []) {
    if (m.artifactType !== opts.artifactType || !m.digest) continue;
    const response = await get(doFetch, `${base}/manifests/${m.digest}`, MANIFEST_TYPES);
    if (!response.ok) throw new RegistryError(`The registry ${registry} answered ${response.status} for a referrer`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== m.digest)
      throw new RegistryError(`A referrer from ${registry} does not match its digest`);
    const manifest = JSON.parse(bytes.toString('utf8')) as OciManifest;
    for (const layer of manifest.layers ?? [])
      if (layer.mediaType === opts.artifactType && layer.digest)
        bundles.push(await blobOf(doFetch, base, registry, layer.digest));
  }
  return bundles;
}
