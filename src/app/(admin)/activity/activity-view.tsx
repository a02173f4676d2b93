'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { counted } from '@/lib/format';
import { describeEntry } from '@/lib/activity';
import { AUDIT_OUTCOMES } from '@/lib/schemas/audit';
import { Pager } from '@/components/pager';

type Outcome = (typeof AUDIT_OUTCOMES)[number];
interface Filters {
  actor: string;
  procedure: string;
  outcome: Outcome | '';
  from: string;
  to: string;
}

const PAGE_SIZE = 25;
const BADGE: Record<Outcome, string> = {
  success: 'badge-ok',
  refused: 'badge-warn',
  error: 'badge-bad',
  started: 'badge-warn',
};

function toQuery(f: Filters) {
  return {
    actor: f.actor || undefined,
    procedure: f.procedure || undefined,
    outcome: f.outcome || undefined,
    from: f.from ? new Date(f.from) : undefined,
    to: f.to ? new Date(f.to) : undefined,
  };
}

/** The filters and page live in the URL: a filtered view can be bookmarked, shared and gone back to. */
function fromUrl(params: URLSearchParams): Filters & { page: number } {
  const outcome = AUDIT_OUTCOMES.find((o) => o === params.get('outcome')) ?? '';
  return {
    actor: params.get('actor') ?? '',
    procedure: params.get('procedure') ?? '',
    outcome,
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    page: Math.max(1, Number(params.get('page')) || 1),
  };
}

export function ActivityView() {
  const router = useRouter();
  const pathname = usePathname();
  const { page, ...filters } = fromUrl(new URLSearchParams(useSearchParams().toString()));
  const [draft, setDraft] = useState<Filters>(filters);
  const go = (next: Filters, nextPage: number) => {
    const q = new URLSearchParams(Object.entries(next).filter(([, v]) => v));
    if (nextPage > 1) q.set('page', String(nextPage));
    router.replace(`${pathname}${q.size ? `?${q}` : ''}`);
  };
  const setPage = (p: number) => go(filters, p);
  const list = trpc.audit.list.useQuery({ ...toQuery(filters), page, pageSize: PAGE_SIZE });
  const verify = trpc.audit.verify.useQuery(undefined, { enabled: false });
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1;
  const exportHref = `/api/audit/export.csv?${new URLSearchParams(
    Object.entries(toQuery(filters)).flatMap(([k, v]) => (v ? [[k, v instanceof Date ? v.toISOString() : v]] : [])),
  )}`;
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });

  return (
    <>
      <PageHead
        title="Activity"
        subtitle="Every change to the cell, allowed or refused, in a tamper-evident chain."
        actions={
          <div className="row">
            <button className="btn" onClick={() => void verify.refetch()} disabled={verify.isFetching}>
              {verify.isFetching ? 'Verifying…' : 'Verify chain'}
            </button>
            <a className="btn" href={exportHref} download>
              Export CSV
            </a>
          </div>
        }
      />
      <div className="stack">
        {verify.data?.ok === true && (
          <Alert kind="ok">Chain intact: {counted(verify.data.checked, 'entry', 'entries')} verified.</Alert>
        )}
        {verify.data?.ok === false && (
          <Alert kind="error">
            Chain broken at entry #{verify.data.firstBadId}: {verify.data.reason}. {verify.data.checked} entries before
            it verified.
          </Alert>
        )}
        <form
          className="card row"
          onSubmit={(e) => {
            e.preventDefault();
            go(draft, 1);
          }}
        >
          <input
            aria-label="Actor"
            placeholder="Actor"
            value={draft.actor}
            onChange={set('actor')}
            style={{ maxWidth: 160 }}
          />
          <input
            aria-label="Procedure"
            placeholder="Procedure (prefix)"
            value={draft.procedure}
            onChange={set('procedure')}
            style={{ maxWidth: 200 }}
          />
          <select aria-label="Outcome" value={draft.outcome} onChange={set('outcome')} style={{ maxWidth: 180 }}>
            <option value="">Any outcome</option>
            {AUDIT_OUTCOMES.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
          <input
            aria-label="From"
            type="datetime-local"
            value={draft.from}
            onChange={set('from')}
            style={{ maxWidth: 220 }}
          />
          <input
            aria-label="To"
            type="datetime-local"
            value={draft.to}
            onChange={set('to')}
            style={{ maxWidth: 220 }}
          />
          <button className="btn btn-primary" type="submit">
            Filter
          </button>
        </form>
        {list.error && <Alert kind="error">{list.error.message}</Alert>}
        <div className="card table-wrap">
          <table className="table" aria-label="Activity">
            <thead>
              <tr>
                <th>Time</th>
                <th>What happened</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {list.data?.items.map((e) => (
                <tr key={e.id}>
                  <td className="small" data-label="Time">
                    {e.at.toLocaleString()}
                  </td>
                  <td data-label="What happened">
                    {describeEntry(e, list.data.peerNames)}
                    <details className="small">
                      <summary className="muted">
                        {e.procedure} by {e.actor} ({e.actorRole})
                      </summary>
                      <code className="raw-input">{e.input}</code>
                    </details>
                  </td>
                  <td data-label="Outcome">
                    <span className={`badge ${BADGE[e.outcome]}`}>{e.outcome}</span>
                  </td>
                </tr>
              ))}
              {list.data?.items.length === 0 && (
                <tr>
                  <td colSpan={3} className="muted">
                    Nothing matches these filters.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <Pager page={page} pages={pages} total={list.data?.total ?? 0} noun={['entry', 'entries']} onPage={setPage} />
      </div>
    </>
  );
}
