'use client';

import { useEffect, useRef, useState } from 'react';
import { Dialog } from '@/components/dialog';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { COMPONENT_INFO } from '@/lib/schemas/containers';
import type { ContainerRow } from './container-row';

export type Open = { kind: 'stop' | 'logs' | 'inspect'; container: ContainerRow };

export function ContainerDialogs({ open, onClose }: { open: Open; onClose: () => void }) {
  const c = open.container;
  if (open.kind === 'stop') return <StopDialog container={c} onClose={onClose} />;
  if (open.kind === 'logs') return <LogsDialog container={c} onClose={onClose} />;
  return <InspectDialog container={c} onClose={onClose} />;
}

function StopDialog({ container, onClose }: { container: ContainerRow; onClose: () => void }) {
  const utils = trpc.useUtils();
  const stop = trpc.containers.stop.useMutation({
    onSuccess: () => {
      void utils.containers.list.invalidate();
      onClose();
    },
  });
  const info = container.component ? COMPONENT_INFO[container.component] : null;
  return (
    <Dialog title={`Stop ${container.name}?`} onClose={onClose}>
      <div className="stack">
        {info ? (
          <Alert kind="warn">
            {info.label} is part of the cell. {info.whenStopped}
          </Alert>
        ) : (
          <p>The container stops; its data stays.</p>
        )}
        {stop.error && <Alert kind="error">{stop.error.message}</Alert>}
        <button
          className="btn btn-danger"
          disabled={stop.isPending}
          onClick={() => stop.mutate({ id: container.name, confirm: true })}
        >
          {stop.isPending ? 'Stopping…' : `Stop ${container.name}`}
        </button>
      </div>
    </Dialog>
  );
}

const TAILS = [50, 200, 1000];

function LogsDialog({ container, onClose }: { container: ContainerRow; onClose: () => void }) {
  const [tail, setTail] = useState(200);
  const [follow, setFollow] = useState(false);
  const [live, setLive] = useState<{ stream: string; text: string }[]>([]);
  const logs = trpc.containers.logs.useQuery({ id: container.name, tail }, { enabled: !follow });
  const sub = trpc.containers.followLogs.useSubscription(
    { id: container.name, tail },
    {
      enabled: follow,
      onStarted: () => setLive([]),
      onData: (line) => setLive((l) => [...l.slice(-(tail * 2)), line]),
    },
  );
  const box = useRef<HTMLPreElement>(null);
  const lines = follow ? live : (logs.data ?? []);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  return (
    <Dialog title={`Logs of ${container.name}`} onClose={onClose}>
      <div className="stack">
        <div className="row">
          <label className="row small">
            Last
            <select value={tail} onChange={(e) => setTail(Number(e.target.value))}>
              {TAILS.map((t) => (
                <option key={t} value={t}>
                  {t} lines
                </option>
              ))}
            </select>
          </label>
          <label className="row small">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow live
          </label>
          {follow && (
            <span className={`badge ${sub.status === 'pending' ? 'badge-ok' : 'badge-warn'}`}>
              {sub.status === 'pending' ? 'live' : sub.status}
            </span>
          )}
          {!follow && (
            <button className="btn" onClick={() => void logs.refetch()}>
              Refresh
            </button>
          )}
        </div>
        {(logs.error || sub.error) && <Alert kind="error">{(logs.error ?? sub.error)!.message}</Alert>}
        <pre className="logs" ref={box} data-testid="logs">
          {lines.length ? (
            lines.map((l, i) => (
              <div key={i} className={l.stream === 'stderr' ? 'stderr' : undefined}>
                {l.text}
              </div>
            ))
          ) : (
            <span className="muted">No output.</span>
          )}
        </pre>
      </div>
    </Dialog>
  );
}

function InspectDialog({ container, onClose }: { container: ContainerRow; onClose: () => void }) {
  const detail = trpc.containers.inspect.useQuery({ id: container.name });
  const d = detail.data;
  return (
    <Dialog title={container.name} onClose={onClose}>
      {detail.error && <Alert kind="error">{detail.error.message}</Alert>}
      {d && (
        <dl className="kv small" data-testid="inspect">
          <dt>ID</dt>
          <dd>
            <code>{d.id.slice(0, 12)}</code>
          </dd>
          <dt>Image</dt>
          <dd>
            <code>{d.image}</code>
          </dd>
          <dt>State</dt>
          <dd>
            {d.state.status}
            {d.state.exitCode ? ` (exit ${d.state.exitCode})` : ''}, restarted {d.state.restartCount} times
          </dd>
          <dt>Command</dt>
          <dd>
            <code>{d.cmd.join(' ') || '—'}</code>
          </dd>
          <dt>Restart policy</dt>
          <dd>{d.restartPolicy}</dd>
          <dt>Privileges</dt>
          <dd>
            {d.privileged ? 'privileged' : d.capAdd.length ? `capabilities ${d.capAdd.join(', ')}` : 'none added'}
          </dd>
          <dt>Networks</dt>
          <dd>{d.networks.map((n) => `${n.name} ${n.ip ?? ''}`).join(', ') || '—'}</dd>
          <dt>Ports</dt>
          <dd>{d.ports.map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.host} → ${p.container}`).join(', ') || '—'}</dd>
          <dt>Mounts</dt>
          <dd>
            {d.mounts.map((m) => (
              <div key={m.target}>
                <code>{m.source}</code> → <code>{m.target}</code> {m.readOnly ? '(read-only)' : ''}
              </div>
            ))}
          </dd>
          <dt>Sysctls</dt>
          <dd>
            {Object.entries(d.sysctls)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || '—'}
          </dd>
          <dt>Environment</dt>
          <dd>
            {d.env.map((e) => (
              <div key={e}>
                <code>{e}</code>
              </div>
            ))}
          </dd>
          <dt>Labels</dt>
          <dd>
            {Object.entries(d.labels).map(([k, v]) => (
              <div key={k}>
                <code>
                  {k}={v.length > 20 ? `${v.slice(0, 16)}…` : v}
                </code>
              </div>
            ))}
          </dd>
        </dl>
      )}
    </Dialog>
  );
}
