'use client';

let pending: Promise<string> | undefined;

/** The double-submit token for this browser; fetched once, refetched after a refusal. */
export function csrfToken(refresh = false): Promise<string> {
  if (refresh || !pending) {
    pending = fetch('/api/csrf', { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => r.json() as Promise<{ token: string }>)
      .then((b) => b.token)
      .catch((err) => {
        pending = undefined;
        throw err;
      });
  }
  return pending;
}
