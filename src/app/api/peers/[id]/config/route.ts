import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { peerConfig } from '@/server/managers/peers';

export const dynamic = 'force-dynamic';

// GET /api/peers/{id}/config: a peer's client config as a file (admin, or the peer itself).
export const GET = apiRoute({ access: 'authed' }, ({ db, session, params }) => {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id <= 0) return json({ error: 'bad_request', message: 'id: not a peer id' }, 400);
  const { name, text } = peerConfig(db, id, session!);
  return new Response(text, {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.conf"`,
      'cache-control': 'no-store',
    },
  });
});
