'use client';

import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { LOG_LEVELS } from '@/lib/schemas/logs';

type Level = (typeof LOG_LEVELS)[number];

function LevelSelect({
  label,
  value,
  levels = LOG_LEVELS,
  onChange,
}: {
  label: string;
  value: Level;
  levels?: readonly Level[];
  onChange: (l: Level) => void;
}) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as Level)}>
      {levels.map((l) => (
        <option key={l} value={l}>
          {l}
        </option>
      ))}
    </select>
  );
}

/** The note beside wireguard-go's level, and after it is set: the cell does not restart its container for it. */
const WIREGUARD_NEXT_START =
  'The cell does not restart cell-wireguard for this alone, since the tunnel would drop for a moment: restart it on the Containers page when that suits you.';

/** What the Logs page says once a level is set: at once, through a restart of the daemon's container, or at its next start. */
function appliedNote(r: {
  target: string;
  level: string;
  applies: 'now' | 'restart' | 'next-start';
  container?: string;
  apply?: { state: string; reason?: string };
}): string {
  if (r.applies === 'now') return `${r.target} now logs at ${r.level}; it applies now, with no restart.`;
  if (r.applies === 'next-start') return `${r.target} logs at ${r.level} from its next start. ${WIREGUARD_NEXT_START}`;
  const when = r.apply?.state === 'pending' && r.apply.reason ? ` Not yet: ${r.apply.reason}.` : '';
  return `${r.target} logs at ${r.level} from its next start: ${r.container} restarts to take it.${when}`;
}

/**
 * How much each part says: the cell's services (at their next line), Caddy and CoreDNS (reloaded),
 * chrony, dnsmasq and the installed services (their containers restart: they read a level only
 * when they start).
 */
export function LevelsCard() {
  const utils = trpc.useUtils();
  const levels = trpc.logs.levels.useQuery();
  const set = trpc.logs.setLevel.useMutation({ onSuccess: () => utils.logs.levels.invalidate() });
  const clear = trpc.logs.clearLevel.useMutation({ onSuccess: () => utils.logs.levels.invalidate() });
  const [draft, setDraft] = useState({ target: '', level: 'debug' as Level });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState<string | null>(null);
  /** Sets a level; the note names the part as the table does (`name`), or by its target. */
  const apply = (target: string, level: Level, name = target) =>
    set.mutate({ target, level }, { onSuccess: (r) => setSaved(appliedNote({ ...r, target: name })) });

  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      setSaved(appliedNote(await set.mutateAsync({ target: draft.target, level: draft.level })));
      setErrors({});
      setDraft({ ...draft, target: '' });
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  const d = levels.data;
  return (
    <section className="card stack" aria-label="Verbosity">
      <h2>Verbosity</h2>
      {saved && <Alert kind="ok">{saved}</Alert>}
      {(set.error ?? clear.error) && !Object.keys(errors).length && (
        <Alert kind="error">{(set.error ?? clear.error)!.message}</Alert>
      )}
      {d && (
        <table className="table">
          <tbody>
            <tr>
              <th scope="row">Caddy</th>
              <td>
                <LevelSelect label="Caddy's level" value={d.caddy} onChange={(l) => apply('caddy', l)} />
              </td>
              <td className="muted small">Its config is loaded again.</td>
            </tr>
            <tr>
              <th scope="row">CoreDNS</th>
              <td>
                <LevelSelect
                  label="CoreDNS's level"
                  value={d.dns}
                  levels={['info', 'debug']}
                  onChange={(l) => apply('dns', l)}
                />
              </td>
              <td className="muted small">debug logs every query.</td>
            </tr>
            <tr>
              <th scope="row">chrony (NTP)</th>
              <td>
                <LevelSelect
                  label="chrony's level"
                  value={d.ntp}
                  levels={['info', 'warn', 'error']}
                  onChange={(l) => apply('ntp', l)}
                />
              </td>
              <td className="muted small">Applies at its next start: cell-ntp restarts to take it.</td>
            </tr>
            <tr>
              <th scope="row">dnsmasq (DHCP)</th>
              <td>
                <LevelSelect label="dnsmasq's level" value={d.dhcp} onChange={(l) => apply('dhcp', l)} />
              </td>
              <td className="muted small">
                debug logs each exchange in full; warn and error leave out the routine ones. Applies at its next start:
                cell-dhcp restarts to take it.
              </td>
            </tr>
            <tr>
              <th scope="row">wireguard-go (tunnel)</th>
              <td>
                <select
                  aria-label="wireguard-go's level"
                  value={d.wireguard ?? ''}
                  onChange={(e) =>
                    e.target.value
                      ? apply('wireguard', e.target.value as Level, 'wireguard-go')
                      : clear.mutate(
                          { target: 'wireguard' },
                          {
                            onSuccess: () =>
                              setSaved(`wireguard-go logs at its own default again from its next start.`),
                          },
                        )
                  }
                >
                  <option value="">its default (nothing after it starts)</option>
                  <option value="debug">debug</option>
                  <option value="error">error</option>
                </select>
              </td>
              <td className="muted small">
                A host without the WireGuard kernel module runs wireguard-go, which logs to its container (the
                kernel&apos;s WireGuard has no log). Applies at its next start. {WIREGUARD_NEXT_START}
              </td>
            </tr>
            {d.services.map((svc) => (
              <tr key={svc.target}>
                <th scope="row">{svc.name}</th>
                <td>
                  <select
                    aria-label={`${svc.name}'s level`}
                    value={svc.level ?? ''}
                    onChange={(e) =>
                      e.target.value
                        ? apply(svc.target, e.target.value as Level, svc.name)
                        : clear.mutate(
                            { target: svc.target },
                            { onSuccess: () => setSaved(`${svc.name} logs at its own default again.`) },
                          )
                    }
                  >
                    <option value="">its default</option>
                    {svc.levels.map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="muted small">Applies at its next start: {svc.target} restarts to take it.</td>
              </tr>
            ))}
            {d.cell.map((c) => (
              <tr key={c.target}>
                <th scope="row" className="mono">
                  {c.target}
                </th>
                <td>
                  <LevelSelect label={`${c.target}'s level`} value={c.level} onChange={(l) => apply(c.target, l)} />
                </td>
                <td>
                  <button type="button" className="btn" onClick={() => clear.mutate({ target: c.target })}>
                    Back to default
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row wrap" onSubmit={add} aria-label="Set a level">
        <label className="field">
          Part of the cell
          <input
            name="target"
            placeholder="cell.store"
            value={draft.target}
            onChange={(e) => setDraft({ ...draft, target: e.target.value })}
            aria-invalid={errors.target ? true : undefined}
          />
          {errors.target && (
            <span className="error" role="alert">
              {errors.target.join(' ')}
            </span>
          )}
        </label>
        <label className="field">
          Level
          <LevelSelect label="Level" value={draft.level} onChange={(level) => setDraft({ ...draft, level })} />
        </label>
        <button className="btn btn-primary" type="submit" disabled={set.isPending}>
          Set level
        </button>
      </form>
    </section>
  );
}
