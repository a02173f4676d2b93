import { apiRoute } from '@/server/http/api';
import { metricsAuthProblem, metricsText } from '@/server/managers/metrics';

export const dynamic = 'force-dynamic';

// GET /api/metrics: the Prometheus text format, with Authorization: Bearer <the token made in Settings>.
export const GET = apiRoute({ access: 'public' }, async ({ req, db }) => {
  const problem = metricsAuthProblem(db, req.headers.get('authorization'));
  if (problem)
    return new Response(`${problem}\n`, {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="cell metrics"', 'content-type': 'text/plain; charset=utf-8' },
    });
  return new Response(await metricsText(db), {
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' },
  });
});
