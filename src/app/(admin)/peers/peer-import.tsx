'use client';

import { useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Alert, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS, parsePeerCsv, type RowErrors } from '@/lib/schemas/peer-import';

const EXAMPLE =
  'name,routingPolicy,address,allowedIps,expiresAt,peerToPeer\nalice-phone,cell,,,,\nbob-laptop,full,10.0.0.20,,2027-06-30,no';

/** `rows.3.name` → `Row 3, name`; `csv` → `The file`. */
function where(key: string): string {
  const m = /^rows\.(\d+)(?:\.(.+))?$/.exec(key);
  if (!m) return 'The file';
  return m[2] ? `Row ${m[1]}, ${m[2]}` : `Row ${m[1]}`;
}

/** Peers from a pasted or uploaded CSV: checked here with the server's own rules, created all or nothing. */
export function PeerImport({ onDone }: { onDone: (apply: ApplyState) => void }) {
  const utils = trpc.useUtils();
  const importMany = trpc.peers.importMany.useMutation();
  const [csv, setCsv] = useState('');
  const [errors, setErrors] = useState<RowErrors>({});
  const [failure, setFailure] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFailure(null);
    const local = parsePeerCsv(csv);
    if ('errors' in local) return setErrors(local.errors);
    setErrors({});
    try {
      const { apply } = await importMany.mutateAsync({ csv });
      await utils.peers.list.invalidate();
      onDone(apply);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (Object.keys(fields).length) setErrors(fields);
      else setFailure(err instanceof Error ? err.message : String(err));
    }
  }

  const listed = Object.entries(errors);
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p className="muted small" style={{ margin: 0 }}>
        One peer per line under a header line. Columns: {IMPORT_COLUMNS.join(', ')} (name and routingPolicy are
        required; allowedIps separated by spaces or semicolons). Up to {MAX_IMPORT_ROWS} peers; if any line is wrong,
        none is created.
      </p>
      <div className="field">
        <label htmlFor="f-csv-file">CSV file</label>
        <input
          id="f-csv-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) setCsv(await file.text());
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="f-csv">Or paste it here</label>
        <textarea
          id="f-csv"
          rows={8}
          className="mono"
          placeholder={EXAMPLE}
          value={csv}
          onChange={(e) => setCsv(e.target.value)}
          aria-invalid={listed.length ? true : undefined}
        />
      </div>
      {listed.length > 0 && (
        <div className="alert alert-error" role="alert">
          <strong>Nothing was imported. Fix these lines and try again:</strong>
          <ul data-testid="import-errors">
            {listed.map(([key, messages]) => (
              <li key={key}>
                {where(key)}: {messages[0]}
              </li>
            ))}
          </ul>
        </div>
      )}
      {failure && <Alert kind="error">{failure}</Alert>}
      <div className="row">
        <SubmitButton pending={importMany.isPending}>Import peers</SubmitButton>
      </div>
    </form>
  );
}
