import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { clientAddress } from '@/server/http/client-address';
import { getDb } from '@/server/db';
import { isSetupComplete, setupCodeRequired } from '@/server/managers/setup';
import { SetupWizard } from './wizard';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Set up your cell' };

export default async function SetupPage() {
  // Once set up, the wizard is closed for good.
  if (isSetupComplete(getDb())) redirect('/login');
  const codeRequired = setupCodeRequired(clientAddress(await headers()));
  return (
    <main className="center">
      <SetupWizard codeRequired={codeRequired} />
    </main>
  );
}
