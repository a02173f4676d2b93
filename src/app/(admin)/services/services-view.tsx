'use client';

import Link from 'next/link';
import { useMemo, useState } from 'react';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { InstallDialog, type CatalogueEntry } from './install-dialog';

const CATEGORY_LABEL: Record<string, string> = {
  mail: 'Mail',
  calendar: 'Calendar',
  files: 'Files',
  exit: 'Exits',
  media: 'Media',
  tools: 'Tools',
};

function IndexNotice({ index }: { index: { url: string | null; state: string; reason: string | null } }) {
  if (index.state === 'refused')
    return (
      <Alert kind="warn">
        The store index at {index.url} is not used: {index.reason}. The catalogue bundled with the cell is shown.
      </Alert>
    );
  if (index.state === 'used') return <p className="muted small">With the signed index at {index.url}.</p>;
  return <p className="muted small">The catalogue bundled with the cell (no index is configured).</p>;
}

export function ServicesView() {
  const catalogue = trpc.store.catalogue.useQuery({ refresh: false });
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [installing, setInstalling] = useState<CatalogueEntry | null>(null);
  const entries = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (catalogue.data?.entries ?? []).filter(
      (e) =>
        (!category || e.category === category) &&
        (!q || `${e.name} ${e.description} ${e.id}`.toLowerCase().includes(q)),
    );
  }, [catalogue.data, query, category]);
  const categories = [...new Set((catalogue.data?.entries ?? []).map((e) => e.category))];
  return (
    <>
      <PageHead
        title="Services"
        subtitle="Optional services for the people on your cell. Each runs only if its publisher's signature checks out."
      />
      <div className="stack">
        {catalogue.error && <Alert kind="error">{catalogue.error.message}</Alert>}
        {catalogue.data && <IndexNotice index={catalogue.data.index} />}
        <div className="row">
          <input
            type="search"
            aria-label="Search services"
            placeholder="Search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <div className="choices" role="group" aria-label="Categories">
            <button className="btn btn-small" aria-pressed={category === null} onClick={() => setCategory(null)}>
              All
            </button>
            {categories.map((c) => (
              <button key={c} className="btn btn-small" aria-pressed={category === c} onClick={() => setCategory(c)}>
                {CATEGORY_LABEL[c] ?? c}
              </button>
            ))}
          </div>
        </div>
        {catalogue.data && !entries.length && <p className="muted">No service matches.</p>}
        <div className="cards">
          {entries.map((e) => (
            <section key={e.id} className="card stack" data-testid={`service-${e.id}`} aria-labelledby={`svc-${e.id}`}>
              <h2 id={`svc-${e.id}`}>{e.name}</h2>
              <p className="muted small">
                {CATEGORY_LABEL[e.category] ?? e.category} · version {e.version}
                {e.instanceable ? ' · can run several times' : ''}
              </p>
              <p>{e.description}</p>
              {e.updateAvailable && <Alert kind="warn">Update available: {e.version}</Alert>}
              {e.installed.length > 0 && (
                <p>
                  Installed as{' '}
                  {e.installed.map((id, i) => (
                    <span key={id}>
                      {i > 0 && ', '}
                      <Link href={`/services/${id}`}>{id}</Link>
                    </span>
                  ))}
                </p>
              )}
              {!e.image && <p className="muted small">No image for this host&apos;s architecture.</p>}
              {(e.installed.length === 0 || e.instanceable) && e.image && (
                <div>
                  <button className="btn btn-primary" onClick={() => setInstalling(e)}>
                    {e.installed.length ? 'Install another' : 'Install'}
                  </button>
                </div>
              )}
            </section>
          ))}
        </div>
      </div>
      {installing && <InstallDialog entry={installing} onClose={() => setInstalling(null)} />}
    </>
  );
}
