import { NextRequest } from 'next/server';
import { json } from './responses';

export const KiB = 1024;

/** The body, read up to `limit` bytes: null when it is larger (whatever Content-Length claimed). */
export async function readCapped(req: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function tooLarge(limit: number): Response {
  return json(
    { error: 'payload_too_large', message: `The request body is larger than ${Math.round(limit / KiB)} KiB` },
    413,
  );
}

/**
 * The request with its body capped: a copy whose body is the bytes read, or a 413 answer.
 * Requests without a body pass unchanged.
 */
export async function withCappedBody(req: NextRequest, limit: number): Promise<NextRequest | Response> {
  if (req.method === 'GET' || req.method === 'HEAD') return req;
  const body = await readCapped(req, limit);
  if (body === null) return tooLarge(limit);
  return new NextRequest(req.url, { method: req.method, headers: req.headers, body: body as BodyInit });
}
