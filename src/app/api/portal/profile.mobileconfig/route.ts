import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { signedProfile } from '@/server/managers/portal';

export const dynamic = 'force-dynamic';

// GET /api/portal/profile.mobileconfig: the signed-in peer's Apple configuration profile (DER PKCS#7).
export const GET = apiRoute({ access: 'authed' }, async ({ db, session }) => {
  if (session!.role !== 'peer')
    return json({ error: 'forbidden', message: 'A profile is for a peer: sign in as one' }, 403);
  const { filename, der } = await signedProfile(db, session!.id);
  return new Response(new Uint8Array(der), {
    headers: {
      'content-type': 'application/x-apple-aspen-config',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
  });
});
