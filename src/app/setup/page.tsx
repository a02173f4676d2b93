import { redirect } from 'next/navigation';
import { getDb } from '@/server/db';
import { isSetupComplete } from '@/server/managers/setup';
import { SetupWizard } from './wizard';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Set up your cell' };

export default function SetupPage() {
  // Once set up, the wizard is closed for good.
  if (isSetupComplete(getDb())) redirect('/login');
  return (
    <main className="center">
      <SetupWizard />
    </main>
  );
}
