import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';

// Any other /api path: 428 before setup (like every API), 404 after.
const notFound = apiRoute({ access: 'public' }, ({ req }) =>
  json({ error: 'not_found', message: `No API at ${req.nextUrl.pathname}` }, 404),
);

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
