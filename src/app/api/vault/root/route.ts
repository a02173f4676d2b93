import { apiRoute } from '@/server/http/api';
import { rootCertificate } from '@/server/managers/vault';

export const dynamic = 'force-dynamic';

// GET /api/vault/root: the root certificate (PEM) to install on devices. Public: a device fetches it before it
// trusts anything, and before setup install.sh shows its fingerprint (the setup site's certificate chains to it).
export const GET = apiRoute({ access: 'public', beforeSetup: true }, async ({ db }) => {
  const root = await rootCertificate(db);
  return new Response(root.pem, {
    headers: {
      'content-type': 'application/x-x509-ca-cert',
      'content-disposition': 'attachment; filename="cell-root-ca.crt"',
      'cache-control': 'no-cache',
    },
  });
});
