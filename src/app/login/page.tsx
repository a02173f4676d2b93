import { redirect } from 'next/navigation';
import { localPath } from '@/lib/local-path';
import { homeOf, pageSession } from '@/server/auth/page-session';
import { getDb } from '@/server/db';
import { isSetupComplete } from '@/server/managers/setup';
import { LoginForm } from './login-form';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in' };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string | string[]; claimed?: string | string[] }>;
}) {
  if (!isSetupComplete(getDb())) redirect('/setup');
  const params = await searchParams;
  const next = localPath(typeof params.next === 'string' ? params.next : null);
  const session = await pageSession();
  if (session) redirect(next ?? homeOf(session));
  const claimed = typeof params.claimed === 'string' ? params.claimed.slice(0, 64) : undefined;
  return (
    <main className="center">
      <LoginForm next={next} claimed={claimed} />
    </main>
  );
}
