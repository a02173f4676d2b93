import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { crl, ensureCa } from '@/server/managers/vault';

export const dynamic = 'force-dynamic';

// GET /api/vault/crl: the CRL of the cell's CA, DER (or PEM with ?format=pem). Public: devices fetch it.
export const GET = apiRoute({ access: 'public' }, async ({ req, db }) => {
  await ensureCa(db);
  const list = crl(db);
  if (!list) return json({ error: 'not_found', message: 'No CRL has been published yet' }, 404);
  const pem = req.nextUrl.searchParams.get('format') === 'pem';
  return new Response(pem ? list.pem : new Uint8Array(list.der), {
    headers: {
      'content-type': pem ? 'application/x-pem-file' : 'application/pkix-crl',
      'content-disposition': `attachment; filename="cell.crl${pem ? '.pem' : ''}"`,
      'cache-control': 'no-cache',
    },
  });
});
