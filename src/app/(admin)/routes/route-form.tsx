'use client';

import { useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Choices } from '@/components/choices';
import { Alert, Field, SubmitButton } from '@/components/ui';
import type { inferRouterOutputs } from '@trpc/server';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { localFieldErrors } from '@/lib/field-errors';
import { routeInput, updateRouteInput } from '@/lib/schemas/routes';
import type { AppRouter } from '@/server/routers/_app';

/** A route as the list returns it; a new one has no id yet. */
export type RouteDraft = Omit<
  inferRouterOutputs<AppRouter>['routes']['list']['routes'][number],
  'id' | 'createdAt' | 'updatedAt'
> & { id?: number };

/** `Name: value` per line. */
const headersText = (h: Record<string, string>) =>
  Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const i = line.indexOf(':');
    out[i < 0 ? line : line.slice(0, i).trim()] = i < 0 ? '' : line.slice(i + 1).trim();
  }
  return out;
}

export function RouteForm({
  domain,
  initial,
  onDone,
}: {
  domain: string;
  initial?: RouteDraft;
  onDone: (apply: ApplyState) => void;
}) {
  const utils = trpc.useUtils();
  const create = trpc.routes.create.useMutation();
  const update = trpc.routes.update.useMutation();
  const [d, setD] = useState<Omit<RouteDraft, 'headers'> & { headers: string }>(
    initial
      ? { ...initial, headers: headersText(initial.headers) }
      : { host: '', path: '', upstream: '', access: 'peers', headers: '', websocket: false, service: null },
  );
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = {
      host: d.host,
      path: d.path,
      upstream: d.upstream,
      access: d.access,
      headers: parseHeaders(d.headers),
      websocket: d.websocket,
    };
    const editing = 'id' in d && d.id;
    const local = localFieldErrors(editing ? updateRouteInput : routeInput, editing ? { id: d.id, ...input } : input);
    setErrors(local ?? {});
    setError(null);
    if (local) return;
    try {
      const r = 'id' in d && d.id ? await update.mutateAsync({ id: d.id, ...input }) : await create.mutateAsync(input);
      await utils.routes.invalidate();
      onDone(r.apply);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setError(Object.keys(fields).length ? null : (err as Error).message);
    }
  }

  const headerError = Object.entries(errors).find(([k]) => k.startsWith('headers'));
  return (
    <form className="stack" noValidate onSubmit={submit}>
      {error && <Alert kind="error">{error}</Alert>}
      <Field
        label="Host"
        name="host"
        value={d.host}
        onChange={(e) => setD({ ...d, host: e.target.value })}
        errors={errors.host}
        hint={`A subdomain of ${domain} (files.${domain}) or a .cell name (files.cell)`}
      />
      <Field
        label="Path prefix (optional)"
        name="path"
        value={d.path}
        onChange={(e) => setD({ ...d, path: e.target.value })}
        errors={errors.path}
        hint="Like /app; empty for the whole host"
      />
      <Field
        label="Upstream"
        name="upstream"
        value={d.upstream}
        onChange={(e) => setD({ ...d, upstream: e.target.value })}
        errors={errors.upstream}
        hint="A container or address with its port: nextcloud:80, 10.0.0.5:8080"
      />
      <Choices
        legend="Who may use it"
        name="access"
        value={d.access}
        options={[
          { value: 'peers', label: 'Peers only', summary: 'The tunnel and the cell network; others get 403.' },
          { value: 'public', label: 'Public', summary: 'Anyone who can reach the cell.' },
        ]}
        onChange={(access) => setD({ ...d, access })}
        errors={errors.access}
      />
      <div className="field">
        <label htmlFor="f-headers">Extra request headers (optional)</label>
        <textarea
          id="f-headers"
          rows={2}
          value={d.headers}
          onChange={(e) => setD({ ...d, headers: e.target.value })}
          placeholder="X-Forwarded-Prefix: /app"
          aria-invalid={headerError ? true : undefined}
        />
        {headerError ? (
          <span
            className="error"
            role="alert"
          >{`${headerError[0].replace(/^headers\.?/, '') || 'Headers'}: ${headerError[1][0]}`}</span>
        ) : (
          <span className="hint">One per line: Name: value</span>
        )}
      </div>
      <label className="row">
        <input type="checkbox" checked={d.websocket} onChange={(e) => setD({ ...d, websocket: e.target.checked })} />{' '}
        Flush every answer at once (WebSockets and event streams work without it)
      </label>
      <SubmitButton pending={create.isPending || update.isPending}>
        {'id' in d && d.id ? 'Save route' : 'Add route'}
      </SubmitButton>
    </form>
  );
}
