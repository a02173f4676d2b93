/**
 * The monitor: every 30 s each component is checked; a change of state is recorded (the
 * timeline is drawn from the changes) and sent as a notification. A component that is no
 * longer there (a container removed) leaves the timeline without a notice.
 */
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '../../db';
import { healthEvents, healthState } from '../../db/schema';
import { runtimeOf } from '../../runtime/runtime';
import { notify, type Notice } from '../notifications';
import { runChecks, type HealthState } from './checks';

/** Changes are kept this long (the timeline shows at most a week). */
const KEEP_MS = 8 * 24 * 3600 * 1000;

/** Checks every component once; resolves with the changes it found (and sent). */
export async function monitorTick(db: Db): Promise<Notice[]> {
  const now = runtimeOf(db).clock();
  const checks = await runChecks(db);
  const known = new Map(
    db
      .select()
      .from(healthState)
      .all()
      .map((r) => [r.component, r]),
  );
  const changes: Notice[] = [];
  db.transaction((tx) => {
    for (const [component, check] of checks) {
      const was = known.get(component);
      if (was && was.state === check.state) {
        tx.update(healthState)
          .set({ detail: check.detail, checkedAt: now })
          .where(eq(healthState.component, component))
          .run();
        continue;
      }
      tx.insert(healthState)
        .values({ component, state: check.state, detail: check.detail, since: now, checkedAt: now })
        .onConflictDoUpdate({
          target: healthState.component,
          set: { state: check.state, detail: check.detail, since: now, checkedAt: now },
        })
        .run();
      tx.insert(healthEvents).values({ at: now, component, state: check.state, detail: check.detail }).run();
      // A component's first sight is news only when it is not up.
      if (was || check.state !== 'up')
        changes.push({ component, state: check.state, previous: was?.state ?? null, detail: check.detail, at: now });
    }
    for (const component of known.keys())
      if (!checks.has(component)) tx.delete(healthState).where(eq(healthState.component, component)).run();
    tx.delete(healthEvents)
      .where(lt(healthEvents.at, new Date(now.getTime() - KEEP_MS)))
      .run();
  });
  for (const change of changes) await notify(db, change);
  return changes;
}

export interface Segment {
  state: HealthState;
  from: Date;
  to: Date;
  detail: string;
}

/** Each component's states over the last `hours`, as segments from the oldest to now. */
export function healthHistory(db: Db, hours: number) {
  const now = runtimeOf(db).clock();
  const start = new Date(now.getTime() - hours * 3600 * 1000);
  const current = db.select().from(healthState).all();
  return current
    .sort((a, b) => a.component.localeCompare(b.component))
    .map((c) => {
      const events = db
        .select()
        .from(healthEvents)
        .where(and(eq(healthEvents.component, c.component), gte(healthEvents.at, start)))
        .orderBy(healthEvents.at)
        .all();
      // What it was when the window opened: the last change before it, if any.
      const before = db
        .select()
        .from(healthEvents)
        .where(and(eq(healthEvents.component, c.component), lt(healthEvents.at, start)))
        .orderBy(desc(healthEvents.at))
        .limit(1)
        .get();
      const points = [...(before ? [{ ...before, at: start }] : []), ...events];
      const segments: Segment[] = points.map((p, i) => ({
        state: p.state,
        from: p.at,
        to: points[i + 1]?.at ?? now,
        detail: p.detail,
      }));
      return { component: c.component, state: c.state, detail: c.detail, since: c.since, segments };
    });
}
