/** Settings → Domain: the mode and what it needs, the proxy's ACME contact and log level, and dynamic DNS. */
import { DOMAIN_MODE_INFO, type DomainMode } from '@/lib/domain-modes';
import type { Db } from '../../db';
import { RateLimitedError, ValidationError } from '../../errors';
import { reserveAttempt } from '../accounts';
import { certificateStatus, ensureDomainCertificate } from '../acme';
import { configState, type ConfigApply } from '../config-apply';
import { ddnsStatus, picNgoNameAvailable, providerUrls, updateDdns } from '../ddns';
import { changed, outcomeValue } from '../../runtime/changes';
import { runtimeOf } from '../../runtime/runtime';
import { routeSettingsRow, updateRouteSettings } from '../routes';
import { getSettings, settingsChanges, writeSettings } from '../settings';

const NAME_CHECKS_PER_WINDOW = 30;

/** What each mode asks of the network, for the page. */
export const MODE_NEEDS: Record<DomainMode, string> = {
  pic_ngo:
    'Ports 80 and 443 forwarded to the cell for the services you make public. The name and its wildcard certificate are managed for you.',
  cloudflare:
    'A Cloudflare API token with Zone.DNS edit on the domain. Ports 443 (and 80 for redirects) forwarded for public services.',
  duckdns: 'Your DuckDNS token. Ports 443 (and 80 for redirects) forwarded for public services.',
  http01:
    'The domain pointing at this cell, and port 80 reachable from the internet for every certificate (plus 443 for the services).',
  lan: 'Nothing public. Install the cell’s root certificate (Vault page) once on each device.',
};

export function getDomain(db: Db) {
  const s = getSettings(db);
  const proxy = routeSettingsRow(db);
  return {
    domainMode: s.domainMode,
    domain: s.domain,
    hasToken: s.hasToken,
    mode: { ...DOMAIN_MODE_INFO[s.domainMode], needs: MODE_NEEDS[s.domainMode] },
    acmeEmail: proxy?.acmeEmail ?? null,
    logLevel: proxy?.logLevel ?? 'INFO',
    proxy: configState(db, 'caddy'),
    certificate: certificateStatus(db),
    ddns: ddnsStatus(db),
  };
}

/** Asks for the DNS-01 mode's certificate now, even when the current one is not due or a failure is backing off. */
export function requestCertificate(db: Db) {
  const status = ensureDomainCertificate(db, { email: routeSettingsRow(db)?.acmeEmail ?? null, force: true });
  if (!status)
    throw new ValidationError(
      'Only the DNS-01 modes (pic.ngo, Cloudflare, DuckDNS) get their certificate from the cell',
    );
  return status;
}

type DomainUpdate = {
  domainMode: DomainMode;
  domain?: string;
  ddnsToken?: string;
  acmeEmail?: string | null;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  ddns?: Parameters<typeof updateDdns>[1];
};

/**
 * Dynamic DNS, the proxy's settings and the mode are one transaction: a refusal of any
 * part stores nothing. Switching modes then re-renders DNS and Caddy and applies them.
 */
export async function updateDomain(db: Db, input: DomainUpdate, now = runtimeOf(db).clock()) {
  const change = db.transaction(
    (tx) => {
      const t = tx as unknown as Db;
      const current = getSettings(t);
      if (input.ddns) updateDdns(t, input.ddns, now);
      updateRouteSettings(t, { acmeEmail: input.acmeEmail, logLevel: input.logLevel }, now);
      return writeSettings(
        t,
        {
          cellName: current.cellName,
          timezone: current.timezone,
          domainMode: input.domainMode,
          domain: input.domain,
          ddnsToken: input.ddnsToken,
        },
        now,
      );
    },
    { behavior: 'immediate' },
  );
  const outcomes = await changed(db, [...settingsChanges(change), 'proxy'], { wait: true });
  return { ...getDomain(db), apply: outcomeValue<ConfigApply>(outcomes.caddy) };
}

/** Asks pic.ngo whether a name is free; every ask counts against the caller's address, so the cell is nobody's free oracle. */
export async function checkName(db: Db, name: string, address: string) {
  const attempt = reserveAttempt(db, [{ key: `name-check:${address}`, max: NAME_CHECKS_PER_WINDOW }]);
  if (!('ids' in attempt))
    throw new RateLimitedError(`Too many name checks. Try again in ${Math.ceil(attempt.wait / 60)} min.`, attempt.wait);
  return { name: `${name}.pic.ngo`, ...(await picNgoNameAvailable(name, providerUrls(runtimeOf(db).env))) };
}
