import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { appendAudit } from '@/server/managers/audit';
import { receiveUpload } from '@/server/managers/backup';

export const dynamic = 'force-dynamic';

// POST /api/backups/upload: an age archive as the request body, streamed to the backups folder
// (admin, CSRF). Answers its uploadId for backup.restore.
export const POST = apiRoute({ access: 'admin', procedure: 'backup.upload' }, async ({ req, db, session }) => {
  if (!req.body) return json({ error: 'bad_request', message: 'file: send the archive as the request body' }, 400);
  const { uploadId, size } = await receiveUpload(db, req.body as unknown as AsyncIterable<Uint8Array>);
  appendAudit(db, {
    actor: session!.username,
    actorRole: session!.role,
    procedure: 'backup.upload',
    input: { uploadId, size },
    outcome: 'success',
  });
  return json({ uploadId, size }, 201);
});
