'use client';

import { useState, type FormEvent } from 'react';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { LOG_LEVELS } from '@/lib/schemas/logs';
import { ContainerLogs } from './container-logs';
import { LevelsCard } from './levels-card';

type Level = (typeof LOG_LEVELS)[number];
interface Line {
  time: string;
  level: Level;
  service: string;
  msg: string;
  [field: string]: unknown;
}
const BADGE: Record<Level, string> = { debug: '', info: 'badge-ok', warn: 'badge-warn', error: 'badge-bad' };

/** What a line says beyond its time, level, service and message. */
function fieldsOf(line: Line): string {
  const { time: _t, level: _l, service: _s, msg: _m, ...rest } = line;
  return Object.keys(rest).length ? JSON.stringify(rest) : '';
}

function LineList({ lines }: { lines: Line[] }) {
  if (!lines.length) return <p className="muted">No lines.</p>;
  return (
    <ol className="log-lines" aria-label="Log lines">
      {lines.map((l, i) => (
        <li key={`${l.time}-${i}`} data-level={l.level}>
          <span className="mono small muted">{l.time.replace('T', ' ').replace('Z', '')}</span>{' '}
          <span className={`badge ${BADGE[l.level]}`}>{l.level}</span> <span className="mono small">{l.service}</span>{' '}
          <span>{l.msg}</span> <span className="mono small muted">{fieldsOf(l)}</span>
        </li>
      ))}
    </ol>
  );
}

/** The cell's own lines: searched, or followed live. */
function CellLogs() {
  const [draft, setDraft] = useState({ text: '', level: '' as Level | '', service: '', since: '', until: '' });
  const [query, setQuery] = useState({});
  const [follow, setFollow] = useState(false);
  const [live, setLive] = useState<Line[]>([]);
  const search = trpc.logs.search.useQuery(query, { enabled: !follow });
  const filters = {
    ...(draft.text.trim() ? { text: draft.text.trim() } : {}),
    ...(draft.level ? { level: draft.level } : {}),
    ...(draft.service.trim() ? { service: draft.service.trim() } : {}),
  };
  trpc.logs.tail.useSubscription(filters, {
    enabled: follow,
    onStarted: () => setLive([]),
    onData: (line) => setLive((l) => [line as Line, ...l].slice(0, 500)),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setQuery({
      ...filters,
      ...(draft.since ? { since: new Date(draft.since) } : {}),
      ...(draft.until ? { until: new Date(draft.until) } : {}),
    });
  }

  return (
    <div className="stack">
      <form className="row wrap" onSubmit={submit} aria-label="Search the logs">
        <label className="field">
          Text
          <input name="text" value={draft.text} onChange={(e) => setDraft({ ...draft, text: e.target.value })} />
        </label>
        <label className="field">
          At least
          <select
            name="level"
            value={draft.level}
            onChange={(e) => setDraft({ ...draft, level: e.target.value as Level | '' })}
          >
            <option value="">any level</option>
            {LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Service
          <input
            name="service"
            placeholder="cell.store"
            value={draft.service}
            onChange={(e) => setDraft({ ...draft, service: e.target.value })}
          />
        </label>
        <label className="field">
          Since
          <input
            type="datetime-local"
            value={draft.since}
            onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          />
        </label>
        <label className="field">
          Until
          <input
            type="datetime-local"
            value={draft.until}
            onChange={(e) => setDraft({ ...draft, until: e.target.value })}
          />
        </label>
        <button className="btn btn-primary" type="submit" disabled={follow}>
          Search
        </button>
        <label className="row">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow live
        </label>
      </form>
      {search.error && <Alert kind="error">{search.error.message}</Alert>}
      {follow ? (
        <LineList lines={live} />
      ) : (
        <>
          <LineList lines={(search.data?.lines ?? []) as Line[]} />
          {search.data?.more && <p className="muted small">More lines match: narrow the search.</p>}
        </>
      )}
    </div>
  );
}

export function LogsView() {
  const containers = trpc.containers.list.useQuery(undefined, { retry: false });
  const [source, setSource] = useState('cell');
  const managed = (containers.data ?? []).filter((c) => c.managed);
  return (
    <>
      <PageHead title="Logs" subtitle="The cell's own lines and its containers' output, and how much each says." />
      <div className="stack">
        <section className="card stack" aria-label="Lines">
          <label className="field" style={{ maxWidth: 320 }}>
            Source
            <select value={source} onChange={(e) => setSource(e.target.value)}>
              <option value="cell">The cell</option>
              {managed.map((c) => (
                <option key={c.id} value={c.name}>
                  Container {c.name}
                </option>
              ))}
            </select>
          </label>
          {source === 'cell' ? <CellLogs /> : <ContainerLogs name={source} />}
        </section>
        <LevelsCard />
      </div>
    </>
  );
}
