import { auditListSchema } from '@/lib/schemas/audit';
import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { auditCsv } from '@/server/managers/audit';

export const dynamic = 'force-dynamic';

// GET /api/audit/export.csv?actor=&procedure=&outcome=&from=&to=: the audit trail as CSV (admin).
export const GET = apiRoute({ access: 'admin' }, ({ req, db }) => {
  const q = req.nextUrl.searchParams;
  const date = (v: string | null) => (v ? new Date(v) : undefined);
  const parsed = auditListSchema.safeParse({
    actor: q.get('actor') || undefined,
    procedure: q.get('procedure') || undefined,
    outcome: q.get('outcome') || undefined,
    from: date(q.get('from')),
    to: date(q.get('to')),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return json({ error: 'bad_request', message: `${issue?.path.join('.')}: ${issue?.message}` }, 400);
  }
  const rows = auditCsv(db, parsed.data);
  const encoder = new TextEncoder();
  const stream = new ReadableStream({
    pull(controller) {
      const next = rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="cell-audit-${stamp}.csv"`,
      'cache-control': 'no-store',
    },
  });
});
