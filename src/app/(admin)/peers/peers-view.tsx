'use client';

import { useState } from 'react';
import { ApplyNotice, type ApplyState } from '@/components/apply-notice';
import { Dialog } from '@/components/dialog';
import { PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import Link from 'next/link';
import { formatAgo } from '@/lib/format';
import type { PEER_SORTS } from '@/lib/schemas/peers';
import { PeerConfig } from '@/components/peer-config';
import { PeerActions } from './peer-actions';
import { PeerSparkline, PeerStatus } from './peer-status';
import { PeerForm } from './peer-form';
import { PeerImport } from './peer-import';
import { Pager } from '@/components/pager';

type Sort = (typeof PEER_SORTS)[number];
const PAGE_SIZE = 25;

export function PeersView() {
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ by: Sort; dir: 'asc' | 'desc' }>({ by: 'name', dir: 'asc' });
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ id: number; name: string; ownKey: boolean } | null>(null);
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState<ApplyState | null>(null);
  // Live columns (handshake, endpoint, transfer) refresh without reloading the page.
  const list = trpc.peers.list.useQuery(
    { search: search || undefined, sort: sort.by, dir: sort.dir, page, pageSize: PAGE_SIZE },
    { refetchInterval: 10_000 },
  );
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1;
  const sortBy = (by: Sort) => setSort((s) => ({ by, dir: s.by === by && s.dir === 'asc' ? 'desc' : 'asc' }));
  const header = (by: Sort, label: string) => (
    <th aria-sort={sort.by === by ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button className="sort" onClick={() => sortBy(by)}>
        {label} {sort.by === by ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
      </button>
    </th>
  );

  return (
    <>
      <PageHead
        title="Peers"
        subtitle="Devices that join the cell through WireGuard."
        actions={
          <div className="row">
            <button className="btn" onClick={() => setImporting(true)}>
              Import CSV
            </button>
            <button className="btn btn-primary" onClick={() => setCreating(true)}>
              New peer
            </button>
          </div>
        }
      />
      <div className="stack">
        <ApplyNotice apply={notice} />
        <form
          className="card row"
          onSubmit={(e) => {
            e.preventDefault();
            setPage(1);
            setSearch(draft.trim());
          }}
        >
          <input
            aria-label="Search peers"
            placeholder="Name or address"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            style={{ maxWidth: 260 }}
          />
          <button className="btn">Search</button>
          {list.data && !list.data.statusAvailable && (
            <span className="muted small">Live status unavailable: the WireGuard interface is not reachable.</span>
          )}
        </form>
        {list.error && <p className="alert alert-error">{list.error.message}</p>}
        <div className="card table-wrap">
          <table className="table" aria-label="Peers">
            <thead>
              <tr>
                {header('name', 'Name')}
                {header('address', 'Address')}
                <th>Status</th>
                <th>Traffic, last hour</th>
                <th>Last handshake</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data?.items.map((p) => (
                <tr key={p.id} data-testid={`peer-${p.name}`}>
                  <td data-label="Name">
                    <span className={`dot${p.online ? ' dot-on' : ''}`} aria-hidden />
                    <Link href={`/peers/${p.id}`}>{p.name}</Link>
                    <span className="sr-only">{p.online ? ' (online)' : ' (offline)'}</span>
                    {p.login && <div className="muted small">login: {p.login}</div>}
                  </td>
                  <td data-label="Address">
                    <code>{p.address}</code>
                    {p.address6 && <div className="muted small">{p.address6}</div>}
                  </td>
                  <td data-label="Status">
                    <PeerStatus peer={p} />
                  </td>
                  <td data-label="Traffic, last hour">
                    <PeerSparkline id={p.id} name={p.name} />
                  </td>
                  <td data-label="Last handshake">{formatAgo(p.latestHandshake)}</td>
                  <td className="row-menu">
                    <PeerActions peer={p} onApplied={setNotice} />
                  </td>
                </tr>
              ))}
              {list.data?.items.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    {search ? `No peer matches “${search}”.` : 'No peers yet: add the first device with “New peer”.'}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <Pager page={page} pages={pages} total={list.data?.total ?? 0} noun={['peer', 'peers']} onPage={setPage} />
      </div>
      {importing && (
        <Dialog title="Import peers" onClose={() => setImporting(false)}>
          <PeerImport
            onDone={(apply) => {
              setImporting(false);
              setNotice(apply);
            }}
          />
        </Dialog>
      )}
      {creating && (
        // One dialog from the form to the new peer's QR: focus goes back to "New peer" when it closes.
        <Dialog
          title={created ? `${created.name} is ready` : 'New peer'}
          onClose={() => {
            setCreating(false);
            setCreated(null);
          }}
        >
          {created ? (
            <>
              <p>
                Install the WireGuard app on the device, then scan this code with it, or download the file and import
                it.
              </p>
              <PeerConfig id={created.id} name={created.name} ownKey={created.ownKey} />
            </>
          ) : (
            <PeerForm
              onDone={(apply, peer) => {
                setCreated(peer);
                setNotice(apply);
              }}
            />
          )}
        </Dialog>
      )}
    </>
  );
}
