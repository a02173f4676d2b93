'use client';

import { useState } from 'react';
import { DataTable } from '@/components/data-table';
import { trpc } from '@/lib/client/trpc';

export function Effective() {
  const effective = trpc.firewall.effective.useQuery(undefined, { refetchInterval: 5_000 });
  const [chain, setChain] = useState('');
  const rows = effective.data?.rules ?? [];
  const chains = [...new Set(rows.map((r) => `${r.table}/${r.chain}`))];
  const shown = chain ? rows.filter((r) => `${r.table}/${r.chain}` === chain) : rows.filter((r) => r.family === 4);
  return (
    <section className="card stack" aria-labelledby="effective-head">
      <h2 id="effective-head">Effective rules</h2>
      <p className="muted small">
        What the kernel holds for the cell, with the packets and bytes each rule matched (refreshed every 5 s).
        {effective.data?.countersError && ` Counters unavailable: ${effective.data.countersError}.`}
      </p>
      <label>
        Chain{' '}
        <select value={chain} onChange={(e) => setChain(e.target.value)}>
          <option value="">all IPv4 chains</option>
          {chains.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <div className="table-wrap">
        <DataTable
          label="Effective rules"
          rows={shown}
          rowKey={(r) => `${r.family}/${r.table}/${r.chain}/${r.position}`}
          rowTestId={(r) => `effective-${r.chain}-${r.position}`}
          empty="No rules yet."
          columns={[
            { header: 'Chain', cell: (r) => <code>{r.chain}</code> },
            { header: '#', cell: (r) => r.position },
            { header: 'Owner', cell: (r) => <span className="badge">{r.owner}</span> },
            { header: 'What', cell: (r) => r.why },
            { header: 'Rule', className: 'small', cell: (r) => <code>{r.spec}</code> },
            { header: 'Packets', cell: (r) => <span data-testid="packets">{r.packets ?? '—'}</span> },
            { header: 'Bytes', cell: (r) => r.bytes ?? '—' },
          ]}
        />
      </div>
    </section>
  );
}
