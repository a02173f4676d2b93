import fs from 'node:fs';
import { Readable } from 'node:stream';
import { backupId } from '@/lib/schemas/backup';
import { apiRoute } from '@/server/http/api';
import { json } from '@/server/http/responses';
import { backupDownload } from '@/server/managers/backup';

export const dynamic = 'force-dynamic';

// GET /api/backups/{id}: a finished backup's age archive, streamed (admin).
export const GET = apiRoute({ access: 'admin' }, ({ db, params }) => {
  const parsed = backupId.safeParse({ id: params.id });
  if (!parsed.success) return json({ error: 'bad_request', message: 'id: not a backup id' }, 400);
  const { file, name, size } = backupDownload(db, parsed.data.id);
  const body = Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    },
  });
});
