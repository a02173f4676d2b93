/**
 * The address of whoever connected. Next puts the socket's address last in
 * X-Forwarded-For; earlier entries are whatever the client claimed, so only the
 * last one is trusted.
 */
export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>): string {
  const raw = headers instanceof Headers ? headers.get('x-forwarded-for') : headers['x-forwarded-for'];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  const last = value?.split(',').map((s) => s.trim()).filter(Boolean).pop();
  return last || 'unknown';
}
