import { redirect } from 'next/navigation';
import { homeOf, pageSession } from '@/server/auth/page-session';
import { getDb } from '@/server/db';
import { isSetupComplete } from '@/server/managers/setup';
import { LoginForm } from './login-form';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if (!isSetupComplete(getDb())) redirect('/setup');
  const session = await pageSession();
  if (session) redirect(homeOf(session));
  return (
    <main className="center">
      <LoginForm />
    </main>
  );
}
