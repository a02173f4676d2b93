'use client';

import { useEffect, useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Alert, Field, FieldErrors, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { listFieldErrors } from '@/lib/field-errors';
import { ConfigStatus } from './config-status';

/** One source per line: `pool pool.ntp.org` or `server time.example.org`, optionally `noiburst`. */
function parseSources(text: string) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [kind, host = '', ...flags] = l.split(/\s+/);
      // Anything else on the line stays in the host, so the server names the mistake.
      const stray = flags.filter((f) => f !== 'iburst' && f !== 'noiburst');
      return { kind: kind as 'server' | 'pool', host: [host, ...stray].join(' '), iburst: !flags.includes('noiburst') };
    });
}

/** `sources.2.host` → `Line 3: `, for the textarea's error. */

export function NtpCard({ onApplied }: { onApplied: (apply: ApplyState) => void }) {
  const utils = trpc.useUtils();
  const current = trpc.ntp.get.useQuery();
  const status = trpc.ntp.status.useQuery(undefined, { refetchInterval: 30_000 });
  const update = trpc.ntp.update.useMutation();
  const [sources, setSources] = useState<string | null>(null);
  const [stratum, setStratum] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const c = current.data;

  useEffect(() => {
    if (c && sources === null) {
      setSources(c.sources.map((s) => `${s.kind} ${s.host}${s.iburst ? '' : ' noiburst'}`).join('\n'));
      setStratum(c.localStratum === null ? '' : String(c.localStratum));
    }
  }, [c, sources]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      const r = await update.mutateAsync({
        sources: parseSources(sources ?? ''),
        localStratum: stratum.trim() === '' ? null : Number(stratum),
      });
      setErrors({});
      onApplied(r.apply);
      await utils.ntp.invalidate();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  const s = status.data;
  const sourceErrors = listFieldErrors(errors, 'sources');
  return (
    <form className="card stack" noValidate onSubmit={submit} aria-label="Time (NTP)">
      <h2>Time (NTP)</h2>
      <ConfigStatus state={c?.applyState} target="cell-ntp" />
      {s?.available ? (
        <dl className="kv">
          <dt>Reference</dt>
          <dd>{s.reference}</dd>
          <dt>Stratum</dt>
          <dd>{s.stratum}</dd>
          <dt>System time</dt>
          <dd>{s.systemTime}</dd>
          <dt>Leap status</dt>
          <dd>{s.leapStatus}</dd>
        </dl>
      ) : (
        s && <p className="muted small">No status from cell-ntp: {s.reason}</p>
      )}
      {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
      <div className="field">
        <label htmlFor="f-sources">Upstream sources</label>
        <textarea
          id="f-sources"
          rows={4}
          value={sources ?? ''}
          onChange={(e) => setSources(e.target.value)}
          aria-invalid={sourceErrors ? true : undefined}
        />
        {sourceErrors ? (
          <FieldErrors errors={sourceErrors} />
        ) : (
          <span className="hint">
            One per line: “pool pool.ntp.org” or “server time.example.org”; add “noiburst” to skip the fast first sync.
          </span>
        )}
      </div>
      <Field
        label="Local stratum when upstreams are unreachable"
        name="localStratum"
        inputMode="numeric"
        value={stratum}
        onChange={(e) => setStratum(e.target.value)}
        errors={errors.localStratum}
        hint="1–15; empty turns the fallback off."
      />
      {c && (
        <p className="muted small" style={{ margin: 0 }}>
          Answers only{' '}
          {c.allow.map((n) => (
            <code key={n}>{n} </code>
          ))}
          (the tunnel and the cell network).
        </p>
      )}
      <SubmitButton pending={update.isPending}>Save NTP settings</SubmitButton>
    </form>
  );
}
