import { redirect } from 'next/navigation';
import { getDb } from '@/server/db';
import { isSetupComplete } from '@/server/managers/setup';
import { linkStatus } from '@/server/managers/peers';
import { getSettings } from '@/server/managers/settings';
import { ClaimForm } from './claim-form';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Welcome' };

// A one-time link from the admin: choose the portal password, no session needed.
export default async function WelcomePage({ params }: { params: Promise<{ token: string }> }) {
  const db = getDb();
  if (!isSetupComplete(db)) redirect('/setup');
  const { token } = await params;
  const status = linkStatus(db, token);
  return (
    <main className="center">
      <div className="card auth-card stack">
        <h1>Welcome to {getSettings(db).cellName}</h1>
        {status.valid ? (
          <ClaimForm token={token} username={status.username!} />
        ) : (
          <p className="alert alert-error" role="alert">
            This link has expired or was already used. Ask your admin for a new one.
          </p>
        )}
      </div>
    </main>
  );
}
