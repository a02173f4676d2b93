'use client';

import { useState } from 'react';
import { ApplyNotice, type ApplyState } from '@/components/apply-notice';
import { PageHead } from '@/components/ui';
import { DhcpCard } from './dhcp-card';
import { DnsRecords } from './dns-records';
import { DnsSettings } from './dns-settings';
import { LookupCard } from './lookup-card';
import { NtpCard } from './ntp-card';

const TABS = [
  ['dns', 'DNS'],
  ['ntp', 'Time'],
  ['dhcp', 'DHCP'],
] as const;

export function NetworkView() {
  const [tab, setTab] = useState<(typeof TABS)[number][0]>('dns');
  const [notice, setNotice] = useState<ApplyState | null>(null);
  return (
    <>
      <PageHead
        title="Network services"
        subtitle="Names in the .cell zone and the cell's domain, time for peers, and DHCP for the LAN."
      />
      <div className="stack">
        <div className="row" role="tablist">
          {TABS.map(([id, label]) => (
            <button
              key={id}
              role="tab"
              aria-selected={tab === id}
              className={`btn${tab === id ? ' btn-primary' : ''}`}
              onClick={() => {
                setTab(id);
                setNotice(null);
              }}
            >
              {label}
            </button>
          ))}
        </div>
        <ApplyNotice apply={notice} target="the container engine" />
        {tab === 'dns' && (
          <>
            <LookupCard />
            <DnsRecords onApplied={setNotice} />
            <DnsSettings onApplied={setNotice} />
          </>
        )}
        {tab === 'ntp' && <NtpCard onApplied={setNotice} />}
        {tab === 'dhcp' && <DhcpCard onApplied={setNotice} />}
      </div>
    </>
  );
}
