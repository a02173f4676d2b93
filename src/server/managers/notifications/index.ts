/**
 * Notifications: every change of a component's state (and a test) is sent to one webhook the
 * admin sets, as generic JSON or as ntfy reads a message (a topic URL, a title, a priority).
 * A webhook that fails is retried at the next change, and its last error is shown.
 */
import { eq } from 'drizzle-orm';
import type { NotificationsInput } from '@/lib/schemas/notifications';
import type { Db } from '../../db';
import { notificationSettings } from '../../db/schema';
import { InvalidStateError, ValidationError } from '../../errors';
import { logger } from '../../runtime/logger';
import { outboundRequest } from '../../runtime/outbound';
import { runtimeOf } from '../../runtime/runtime';
import { cellIdentity, outboundRefusal } from '../cell';

const log = logger.child('notifications');

export interface Notice {
  component: string;
  state: 'up' | 'warn' | 'down';
  previous: 'up' | 'warn' | 'down' | null;
  detail: string;
  at: Date;
}

function row(db: Db) {
  db.insert(notificationSettings).values({ id: 1 }).onConflictDoNothing().run();
  return db.select().from(notificationSettings).where(eq(notificationSettings.id, 1)).get()!;
}

export function getNotifications(db: Db) {
  const { id: _id, ...settings } = row(db);
  return settings;
}

export function updateNotifications(db: Db, input: NotificationsInput) {
  row(db);
  db.update(notificationSettings)
    .set({ url: input.url, format: input.format, lastError: null })
    .where(eq(notificationSettings.id, 1))
    .run();
  return getNotifications(db);
}

const TITLE: Record<Notice['state'], string> = { up: 'is back', warn: 'needs a look', down: 'is down' };

/** The request a notice becomes, in the webhook's format. */
export function renderNotice(
  cellName: string,
  format: 'json' | 'ntfy',
  n: Notice,
): { headers: Record<string, string>; body: string } {
  if (format === 'ntfy')
    return {
      // ntfy reads the message from the body and these headers (no newlines allowed in them).
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        title: `${cellName}: ${n.component} ${TITLE[n.state]}`.replace(/[\r\n]+/g, ' ').slice(0, 200),
        priority: n.state === 'down' ? 'high' : 'default',
        tags: n.state === 'up' ? 'white_check_mark' : n.state === 'down' ? 'rotating_light' : 'warning',
      },
      body: n.detail || `${n.component} ${TITLE[n.state]}`,
    };
  return {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      cell: cellName,
      component: n.component,
      state: n.state,
      previous: n.previous,
      detail: n.detail,
      at: n.at.toISOString(),
    }),
  };
}

async function send(db: Db, url: string, format: 'json' | 'ntfy', n: Notice): Promise<void> {
  const { headers, body } = renderNotice(cellIdentity(db).cellName, format, n);
  const res = await outboundRequest(url, {
    method: 'POST',
    headers,
    body,
    timeoutMs: 10_000,
    maxBytes: 64 * 1024,
    refuse: outboundRefusal(db),
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`the webhook answered ${res.status}`);
}

/** Sends a notice to the webhook, if one is set; never throws (its failure is kept on the settings). */
export async function notify(db: Db, n: Notice): Promise<boolean> {
  const { url, format } = row(db);
  if (!url) return false;
  try {
    await send(db, url, format, n);
    db.update(notificationSettings)
      .set({ lastSentAt: runtimeOf(db).clock(), lastError: null })
      .where(eq(notificationSettings.id, 1))
      .run();
    return true;
  } catch (err) {
    const message = (err as Error).message;
    db.update(notificationSettings).set({ lastError: message }).where(eq(notificationSettings.id, 1)).run();
    log.warn('a notification could not be sent', { component: n.component, error: message });
    return false;
  }
}

/** Sends a test notice now; a failure is answered with its reason. */
export async function testNotification(db: Db): Promise<{ sent: true }> {
  const { url, format } = row(db);
  if (!url) throw new ValidationError('Set a webhook URL first', 'url');
  const at = runtimeOf(db).clock();
  try {
    await send(db, url, format, {
      component: 'test',
      state: 'up',
      previous: null,
      detail: 'A test from the cell’s Settings.',
      at,
    });
  } catch (err) {
    throw new InvalidStateError(`The test did not go through: ${(err as Error).message}`, 'url');
  }
  db.update(notificationSettings).set({ lastSentAt: at, lastError: null }).where(eq(notificationSettings.id, 1)).run();
  return { sent: true };
}
