/** Which provider the domain mode calls for, what the page shows, and what the admin may change. */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db';
import { ddnsState } from '../../db/schema';
import { InvalidStateError } from '../../errors';
import { runtimeOf } from '../../runtime/runtime';
import { decryptSecret, encryptSecret } from '../../runtime/secrets';
import { cellExists, cellFacts, outboundRefusal, providerToken } from '../cell';
import { cloudflare, duckdns, dyndns2, picNgo, providerUrls, type Provider } from './providers';
import { stateRow, type StateRow } from './state';

/** The provider the domain mode calls for; http01 and lan use dyndns2 when it is set up, else nothing. */
export function providerFor(db: Db): Provider | null {
  if (!cellExists(db)) return null;
  const token = providerToken(db);
  const urls = providerUrls(runtimeOf(db).env);
  switch (cellFacts(db).domainMode) {
    case 'pic_ngo':
      return token ? picNgo(token, urls) : null;
    case 'cloudflare':
      return token ? cloudflare(token, urls) : null;
    case 'duckdns':
      return token ? duckdns(token, urls) : null;
    default: {
      const s = stateRow(db);
      return s.dyndns2Server && s.dyndns2Username && s.dyndns2PasswordEnc && s.dyndns2Hostname
        ? dyndns2(
            s.dyndns2Server,
            s.dyndns2Username,
            decryptSecret(s.dyndns2PasswordEnc, 'ddns_state.dyndns2_password_enc'),
            s.dyndns2Hostname,
            outboundRefusal(db),
          )
        : null;
    }
  }
}

export function ddnsStatus(db: Db) {
  const s = stateRow(db);
  const provider = providerFor(db);
  return {
    provider: provider?.id ?? null,
    sources: s.sources,
    publicAddress: s.lastDiscovered,
    publishedAddress: s.publishedAddress,
    lastUpdateAt: s.lastUpdateAt,
    lastCheckAt: s.lastCheckAt,
    lastError: s.lastError,
    failures: s.failures,
    nextAttemptAt: s.nextAttemptAt,
    dyndns2: s.dyndns2Server
      ? {
          server: s.dyndns2Server,
          username: s.dyndns2Username,
          hostname: s.dyndns2Hostname,
          hasPassword: s.dyndns2PasswordEnc !== null,
        }
      : null,
  };
}

export function updateDdns(
  db: Db,
  input: {
    sources?: string[];
    dyndns2?: { server: string; username: string; password?: string; hostname: string } | null;
  },
  now = runtimeOf(db).clock(),
) {
  const current = stateRow(db);
  const set: Partial<StateRow> = { updatedAt: now, nextAttemptAt: null };
  if (input.sources) set.sources = input.sources;
  if (input.dyndns2 === null)
    Object.assign(set, { dyndns2Server: null, dyndns2Username: null, dyndns2PasswordEnc: null, dyndns2Hostname: null });
  else if (input.dyndns2) {
    const passwordEnc = input.dyndns2.password
      ? encryptSecret(input.dyndns2.password, 'ddns_state.dyndns2_password_enc')
      : current.dyndns2PasswordEnc;
    if (!passwordEnc) throw new InvalidStateError('A dyndns2 password is required', 'dyndns2.password');
    Object.assign(set, {
      dyndns2Server: input.dyndns2.server,
      dyndns2Username: input.dyndns2.username,
      dyndns2PasswordEnc: passwordEnc,
      dyndns2Hostname: input.dyndns2.hostname,
    });
  }
  db.update(ddnsState).set(set).where(eq(ddnsState.id, 1)).run();
  return ddnsStatus(db);
}
