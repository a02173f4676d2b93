import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { localPath } from '@/lib/local-path';
import { getDb } from '../db';
import type { SessionUser } from '../managers/accounts';
import { isSetupComplete } from '../managers/setup';
import { sessionFromCookie } from './session';

/** For server components: the signed-in user, or null. */
export async function pageSession(): Promise<SessionUser | null> {
  const jar = await cookies();
  return sessionFromCookie(getDb(), (n) => jar.get(n)?.value);
}

/** Pages send people where they belong: /setup first, then /login, then their own area. */
export async function requirePage(role: 'admin' | 'peer'): Promise<SessionUser> {
  if (!isSetupComplete(getDb())) redirect('/setup');
  const session = await pageSession();
  if (!session) redirect(await loginFor());
  if (session.role !== role) redirect(session.role === 'admin' ? '/dashboard' : '/portal');
  return session;
}

/** The login page, told to come back to the page that was asked for (set by src/proxy.ts). */
async function loginFor(): Promise<string> {
  const asked = localPath((await headers()).get('x-pic-path'));
  return asked && asked !== '/' ? `/login?next=${encodeURIComponent(asked)}` : '/login';
}

export function homeOf(session: SessionUser): string {
  return session.role === 'admin' ? '/dashboard' : '/portal';
}
