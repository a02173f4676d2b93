import type { PortalService } from '@/server/managers/portal';

/** What a peer can use on the cell, each with how: the portal's list, also on the admin's peer page. */
export function ServicesList({ services }: { services: PortalService[] }) {
  return (
    <ul className="plain-list" data-testid="my-services">
      {services.map((s) => (
        <li key={s.name}>
          {s.url ? (
            <a href={s.url} target="_blank" rel="noreferrer">
              {s.name}
            </a>
          ) : (
            <strong>{s.name}</strong>
          )}
          <div className="muted small">{s.how}</div>
        </li>
      ))}
    </ul>
  );
}
