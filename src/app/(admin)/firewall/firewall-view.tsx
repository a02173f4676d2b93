'use client';

import { PageHead } from '@/components/ui';
import { ConfirmBanner } from './confirm-banner';
import { Effective } from './effective-card';
import { Groups } from './groups-card';
import { Rules } from './rules-card';
import { Tester } from './tester-card';

export function FirewallView() {
  return (
    <>
      <PageHead
        title="Firewall"
        subtitle="Who in the tunnel may reach what: groups, your rules, and what the kernel holds."
      />
      <div className="stack">
        <ConfirmBanner />
        <Groups />
        <Rules />
        <Tester />
        <Effective />
      </div>
    </>
  );
}
