import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { mailAutoconfig } from '@/server/managers/store';

export const dynamic = 'force-dynamic';

// GET /.well-known/autoconfig/mail/config-v1.1.xml: how mail clients set up the cell's mail. Public, while mail is installed.
export const GET = apiRoute({ access: 'public' }, ({ db }) => {
  const doc = mailAutoconfig(db);
  if (!doc) return json({ error: 'not_found', message: 'This cell has no mail service installed' }, 404);
  return new Response(doc, {
    headers: { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-cache' },
  });
});
