'use client';

type SignInResult = { ok: true } | { ok: false; message: string };

async function authCsrf(): Promise<string> {
  const r = await fetch('/api/auth/csrf', { cache: 'no-store' });
  return ((await r.json()) as { csrfToken: string }).csrfToken;
}

/** next-auth's credentials flow without its React helpers, so a 429 reaches the form as such. */
export async function signIn(username: string, password: string): Promise<SignInResult> {
  const body = new URLSearchParams({ username, password, csrfToken: await authCsrf(), json: 'true' });
  const r = await fetch('/api/auth/callback/credentials', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (r.status === 429) {
    const b = (await r.json().catch(() => ({}))) as { message?: string };
    return { ok: false, message: b.message ?? 'Too many failed sign-ins. Try again later.' };
  }
  const b = (await r.json().catch(() => ({}))) as { url?: string };
  if (!r.ok || !b.url || new URL(b.url, location.href).searchParams.has('error')) {
    return { ok: false, message: 'Wrong username or password.' };
  }
  return { ok: true };
}

export async function signOut(): Promise<void> {
  const body = new URLSearchParams({ csrfToken: await authCsrf(), json: 'true' });
  await fetch('/api/auth/signout', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  location.assign('/login');
}
