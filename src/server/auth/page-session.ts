import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
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
  if (!session) redirect('/login');
  if (session.role !== role) redirect(session.role === 'admin' ? '/dashboard' : '/portal');
  return session;
}

export function homeOf(session: SessionUser): string {
  return session.role === 'admin' ? '/dashboard' : '/portal';
}
