'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { RECORD_TYPES, type RecordType } from '@/lib/schemas/dns';

/** Asks the running DNS container (or the rendered zones) what a peer would get for a name. */
export function LookupCard() {
  const [name, setName] = useState('');
  const [type, setType] = useState<RecordType>('A');
  const utils = trpc.useUtils();
  const [r, setResult] = useState<Awaited<ReturnType<typeof utils.dns.lookup.fetch>> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function ask() {
    setPending(true);
    try {
      // Always a fresh question: the answer may have changed since the last one.
      setResult(await utils.dns.lookup.fetch({ name: name.trim(), type }, { staleTime: 0, gcTime: 0 }));
      setError(null);
    } catch (err) {
      setResult(null);
      setError((err as Error).message);
    } finally {
      setPending(false);
    }
  }
  return (
    <section className="card stack" aria-label="Test a name">
      <h2>Test a name</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void ask();
        }}
      >
        <input
          aria-label="Name to test"
          placeholder="alice-phone.cell"
          value={name}
          onChange={(e) => setName(e.target.value)}
          style={{ maxWidth: 280 }}
        />
        <select
          aria-label="Record type"
          value={type}
          onChange={(e) => setType(e.target.value as RecordType)}
          style={{ maxWidth: 110 }}
        >
          {RECORD_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button className="btn" disabled={pending}>
          {pending ? 'Asking…' : 'Test'}
        </button>
      </form>
      {error && <Alert kind="error">{error}</Alert>}
      {r && (
        <div role="status" aria-label="Answer">
          <p style={{ margin: 0 }}>
            <strong>{r.name}</strong> {r.type}:{' '}
            <span className={`badge ${r.status === 'NOERROR' ? 'badge-ok' : 'badge-warn'}`}>{r.status}</span>
          </p>
          {r.answers.length > 0 && (
            <ul className="mono">
              {r.answers.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          )}
          <p className="muted small" style={{ margin: 0 }}>
            Answered by {r.source}
            {r.error ? `: ${r.error}` : ''}.
          </p>
        </div>
      )}
    </section>
  );
}
