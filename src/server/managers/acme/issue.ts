/**
 * One certificate for the domain and its wildcard from an ACME server over DNS-01, with
 * acme-client: the challenges are answered one after another (DuckDNS holds a single TXT
 * value), each after its record is seen in DNS, and the record is cleared whatever happens.
 */
import { Resolver } from 'node:dns/promises';
import https from 'node:https';
import { isIP } from 'node:net';
import * as acme from 'acme-client';
import type { ChallengeRecords } from '../ddns';
import { certificateKey, wildcardNames } from './files';

export class AcmeError extends Error {}

export interface IssueRequest {
  directory: string;
  /** A root to trust for the ACME server's own API (a test server's), as PEM. */
  caRoot: string | null;
  accountKey: string;
  email: string | null;
  domain: string;
  records: ChallengeRecords;
  /**
   * A DNS server (`host:port`) to look for the challenge record at before answering; null: the
   * system's resolver, then the domain's authoritative servers.
   */
  resolver: string | null;
  /** How long a record may take to appear in DNS. */
  propagationMs?: number;
  progress?: (step: string, detail?: Record<string, unknown>) => void;
}

const PRECHECK_EVERY_MS = 3_000;

/** A resolver from `PIC_ACME_DNS_RESOLVER`: an IP address with an optional port (`[v6]:port` for IPv6). */
export function challengeResolver(setting: string): Resolver {
  const m = /^(?:\[([0-9A-Fa-f:]+)\]|(\d{1,3}(?:\.\d{1,3}){3}))(?::(\d{1,5}))?$|^([0-9A-Fa-f:]+)$/.exec(setting);
  const address = m && (m[1] ?? m[2] ?? m[4]);
  if (!address || !isIP(address))
    throw new AcmeError(`PIC_ACME_DNS_RESOLVER=${setting} is not an IP address with an optional port`);
  const r = new Resolver({ timeout: 3_000, tries: 1 });
  r.setServers([m[3] ? (isIP(address) === 6 ? `[${address}]:${m[3]}` : `${address}:${m[3]}`) : address]);
  return r;
}

/** Whether `value` is among the TXT values at `name`, asked of `r`. */
async function seenAt(r: Resolver, name: string, value: string): Promise<boolean> {
  try {
    return (await r.resolveTxt(name)).some((chunks) => chunks.join('') === value);
  } catch {
    return false;
  }
}

async function waitUntilSeen(check: () => Promise<boolean>, name: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= end)
      throw new AcmeError(`The challenge record at ${name} did not appear in DNS within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, PRECHECK_EVERY_MS));
  }
}

/**
 * The directory, fetched once before acme-client starts: an ACME server that cannot be reached
 * is named with the reason (acme-client itself ends such a request with a TypeError).
 */
function reachable(directory: string, agent: https.Agent | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new AcmeError(`The ACME server at ${directory} could not be reached: ${why}`));
    const req = https.get(directory, { agent, timeout: 15_000 }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else fail(`HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}

export async function issueCertificate(req: IssueRequest): Promise<{ certPem: string; keyPem: string }> {
  try {
    return await issue(req);
  } catch (err) {
    if (err instanceof TypeError) throw new AcmeError(`The connection to the ACME server was lost: ${err.message}`);
    throw err;
  }
}

async function issue(req: IssueRequest): Promise<{ certPem: string; keyPem: string }> {
  const note = req.progress ?? (() => {});
  // acme-client talks through its own axios instance: the trusted root and a timeout go there.
  acme.axios.defaults.timeout = 30_000;
  // A request that got no answer is tried twice more within seconds; the cell's own backoff does the rest.
  const defaults = acme.axios.defaults as { acmeSettings?: Record<string, number> };
  Object.assign(defaults.acmeSettings ?? {}, { retryMaxAttempts: 2, retryDefaultDelay: 1 });
  const resolver = req.resolver ? challengeResolver(req.resolver) : null;
  const agent = req.caRoot ? new https.Agent({ ca: req.caRoot }) : undefined;
  acme.axios.defaults.httpsAgent = agent;
  await reachable(req.directory, agent);
  const client = new acme.Client({ directoryUrl: req.directory, accountKey: req.accountKey });
  const contact = req.email ? { contact: [`mailto:${req.email}`] } : {};
  // The account the key already has (no terms to agree to again), its contact brought up to date.
  const exists = await client.createAccount({ onlyReturnExisting: true }).then(
    () => true,
    () => false,
  );
  if (!exists) await client.createAccount({ termsOfServiceAgreed: true, ...contact });
  else if (req.email) await client.updateAccount(contact);
  const names = wildcardNames(req.domain);
  const order = await client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
  note('order created', { names });
  for (const authz of await client.getAuthorizations(order)) {
    if (authz.status === 'valid') continue;
    const challenge = authz.challenges.find((c) => c.type === 'dns-01');
    if (!challenge) throw new AcmeError(`The ACME server offers no DNS-01 challenge for ${authz.identifier.value}`);
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    const name = `_acme-challenge.${authz.identifier.value}`;
    await req.records.set(name, keyAuthorization);
    note('challenge record set', { name });
    try {
      await waitUntilSeen(
        resolver
          ? () => seenAt(resolver, name, keyAuthorization)
          : () => client.verifyChallenge(authz, challenge).catch(() => false),
        name,
        req.propagationMs ?? 120_000,
      );
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
      note('challenge valid', { name: authz.identifier.value });
    } finally {
      await req.records
        .clear(name, keyAuthorization)
        .catch((err: Error) => note('challenge record not cleared', { name, error: err.message }));
    }
  }
  const keyPem = certificateKey();
  const [, csr] = await acme.crypto.createCsr({ commonName: req.domain, altNames: names }, keyPem);
  const finalized = await client.finalizeOrder(order, csr);
  const certPem = await client.getCertificate(await client.waitForValidStatus(finalized));
  note('certificate issued');
  return { certPem, keyPem };
}
