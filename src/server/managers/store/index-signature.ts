/**
 * The store's index is a JSON document signed with Ed25519 over its canonical form (RFC 8785)
 * without its `signature` member. An index is used only when that signature verifies under
 * one of the cell's trusted index keys; otherwise the reason is said and the bundled
 * catalogue stands alone.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, CanonicalJsonError } from '@/lib/canonical-json';

export class IndexSignatureError extends Error {}

export interface IndexKey {
  id: string;
  key: KeyObject;
}

/** A trusted index key from its PEM form (Ed25519 only). */
export function indexKey(id: string, pem: string): IndexKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new IndexSignatureError(`Index key ${id} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new IndexSignatureError(`Index key ${id} is not an Ed25519 key`);
  return { id, key };
}

/** The bytes a signature covers: the document without its signature, canonical. */
function signedBytes(doc: Record<string, unknown>): Buffer {
  const { signature: _signature, ...rest } = doc;
  try {
    return Buffer.from(canonicalJson(rest), 'utf8');
  } catch (err) {
    throw new IndexSignatureError(`The index has no canonical form: ${(err as CanonicalJsonError).message}`);
  }
}

/** Signs an index document (publishers and tests): the same document with its `signature`. */
export function signIndex(doc: Record<string, unknown>, keyId: string, privateKey: KeyObject): Record<string, unknown> {
  const value = sign(null, signedBytes(doc), privateKey).toString('base64');
  return { ...doc, signature: { keyId, value } };
}

/** The document when its signature verifies under a trusted key; otherwise why not. */
export function verifyIndex(text: string, keys: readonly IndexKey[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new IndexSignatureError('The index is not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new IndexSignatureError('The index is not a JSON object');
  const record = doc as Record<string, unknown>;
  const sig = record.signature as { keyId?: unknown; value?: unknown } | undefined;
  if (!sig || typeof sig.keyId !== 'string' || typeof sig.value !== 'string')
    throw new IndexSignatureError('The index is not signed');
  const key = keys.find((k) => k.id === sig.keyId);
  if (!key)
    throw new IndexSignatureError(
      `The index is signed with key ${JSON.stringify(sig.keyId).slice(0, 80)}, which this cell does not trust`,
    );
  if (!verify(null, signedBytes(record), key.key, Buffer.from(sig.value, 'base64')))
    throw new IndexSignatureError(
      `The index signature does not verify under key ${key.id}: the index was changed after signing`,
    );
  return record;
}
