'use client';

import { trpc } from '@/lib/client/trpc';

const HOURS = 24;
const BADGE = { up: 'badge-ok', warn: 'badge-warn', down: 'badge-bad' } as const;

/** Each component's last 24 hours as a bar of its states, with its state now and since when. */
export function HealthCard() {
  const history = trpc.health.history.useQuery({ hours: HOURS }, { refetchInterval: 30_000 });
  if (!history.data?.length) return null;
  const end = Date.now();
  const start = end - HOURS * 3600_000;
  return (
    <section className="card stack" aria-label="Health, last 24 hours">
      <h2>Health, last 24 hours</h2>
      <ul className="timeline">
        {history.data.map((c) => (
          <li key={c.component} data-testid={`health-${c.component}`} data-state={c.state}>
            <div className="row">
              <strong>{c.component}</strong>
              <span className={`badge ${BADGE[c.state]}`}>{c.state}</span>
              <span className="muted small">
                {c.detail} · since {c.since.toLocaleString()}
              </span>
            </div>
            <div
              className="timeline-bar"
              role="img"
              aria-label={`${c.component}: ${c.segments.map((s) => `${s.state} from ${s.from.toLocaleTimeString()}`).join(', ')}`}
            >
              {c.segments.map((s) => {
                const from = Math.max(start, s.from.getTime());
                const width = ((Math.min(end, s.to.getTime()) - from) / (end - start)) * 100;
                const left = ((from - start) / (end - start)) * 100;
                return (
                  <span
                    key={s.from.toISOString()}
                    className={`seg seg-${s.state}`}
                    style={{ left: `${left}%`, width: `${Math.max(width, 0.3)}%` }}
                    title={`${s.state}: ${s.detail}`}
                  />
                );
              })}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
