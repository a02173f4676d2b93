import { redirect } from 'next/navigation';
import { homeOf, pageSession } from '@/server/auth/page-session';
import { getDb } from '@/server/db';
import { isSetupComplete } from '@/server/managers/setup';

export const dynamic = 'force-dynamic';

export default async function Home() {
  if (!isSetupComplete(getDb())) redirect('/setup');
  const session = await pageSession();
  redirect(session ? homeOf(session) : '/login');
}
