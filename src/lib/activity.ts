/**
 * An audit entry as a sentence with names ("admin disabled peer bob-laptop"). Pure: the
 * entry's stored input and the names of the peers it mentions in, text out. What is not
 * known here reads as what ran, never as a guess.
 */
export interface EntryLike {
  actor: string;
  actorRole?: string;
  procedure: string;
  input: string;
  outcome: 'success' | 'refused' | 'error' | 'started';
  detail: string | null;
}

type Input = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

/** The id of the peer an entry acts on, if any. */
export function peerIdOf(procedure: string, input: Input): number | null {
  if (!procedure.startsWith('peers.')) return null;
  const id = procedure === 'peers.createLogin' ? input.peerId : input.id;
  return typeof id === 'number' ? id : null;
}

export function parseInput(text: string): Input {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : {};
  } catch {
    return {};
  }
}

/** What each change does: a verb (infinitive) and the rest of the phrase. */
const PHRASES: Record<string, (i: Input, peer: string) => [string, string]> = {
  'peers.create': (i) => ['create', `peer ${str(i.name) ?? ''}`],
  'peers.update': (_, peer) => ['change', `peer ${peer}`],
  'peers.setEnabled': (i, peer) => [i.enabled ? 'enable' : 'disable', `peer ${peer}`],
  'peers.rotateKeys': (_, peer) => ['rotate', `the keys of peer ${peer}`],
  'peers.remove': (_, peer) => ['delete', `peer ${peer}`],
  'peers.importMany': () => ['import', 'peers from a CSV file'],
  'peers.createLogin': (i, peer) => ['give', `peer ${peer} the portal login ${str(i.username) ?? ''}`],
  'dns.createRecord': (i) => ['add', `the DNS record ${str(i.name) ?? ''} ${str(i.type) ?? ''}`],
  'dns.updateRecord': (i) => ['change', `DNS record #${str(i.id) ?? '?'}`],
  'dns.removeRecord': (i) => ['delete', `DNS record #${str(i.id) ?? '?'}`],
  'dns.updateSettings': () => ['change', 'the DNS settings'],
  'routes.create': (i) => ['add', `the route ${str(i.host) ?? ''}`],
  'routes.update': (i) => ['change', `route #${str(i.id) ?? '?'}`],
  'routes.remove': (i) => ['delete', `route #${str(i.id) ?? '?'}`],
  'settings.update': () => ['change', 'the cell settings'],
  'setup.complete': (i) => ['set up', `the cell ${str(i.cellName) ?? ''}`],
  'account.changePassword': () => ['change', 'their password'],
  'account.claimLink': () => ['choose', 'a portal password with a one-time link'],
  'auth.login': () => ['sign in', ''],
  'vault.issue': (i) => ['issue', `a certificate for ${str(i.commonName) ?? '?'}`],
  'vault.revoke': (i) => ['revoke', `certificate #${str(i.id) ?? '?'}`],
  'vault.renew': (i) => ['renew', `certificate #${str(i.id) ?? '?'}`],
  'wireguard.update': () => ['change', 'the WireGuard settings'],
  'wireguard.rotateKeys': () => ['rotate', "the cell's WireGuard keys"],
  'wireguard.repair': () => ['repair', 'the WireGuard interface, which had drifted'],
};

const IRREGULAR: Record<string, string> = {
  'set up': 'set up',
  give: 'gave',
  choose: 'chose',
  'sign in': 'signed in',
  run: 'ran',
};
const past = (verb: string) => IRREGULAR[verb] ?? (verb.endsWith('e') ? `${verb}d` : `${verb}ed`);

/** "FORBIDDEN: Admins only" reads as "Admins only". */
const reason = (detail: string | null) => (detail ? `: ${detail.replace(/^[A-Z_]+: /, '')}` : '');

/** Who acted, when it was not a signed-in account. */
const ACTORS: Record<string, string> = { setup: 'The setup wizard', system: 'The cell' };

/** The entry in one sentence; `peerNames` maps peer ids to their names (deleted peers keep their number). */
export function describeEntry(entry: EntryLike, peerNames: Record<number, string> = {}): string {
  const input = parseInput(entry.input);
  const id = peerIdOf(entry.procedure, input);
  const peer = id === null ? '' : (peerNames[id] ?? `#${id}`);
  const [verb, rest] = PHRASES[entry.procedure]?.(input, peer) ?? ['run', entry.procedure];
  const object = rest.trim() ? ` ${rest.trim()}` : '';
  const actor = ACTORS[entry.actorRole ?? ''] ?? entry.actor;
  switch (entry.outcome) {
    case 'success':
      return `${actor} ${past(verb)}${object}`;
    case 'started':
      return `${actor} began to ${verb}${object}`;
    case 'refused':
      return `${actor} tried to ${verb}${object}, refused${reason(entry.detail)}`;
    case 'error':
      return `${actor} tried to ${verb}${object}, which failed${reason(entry.detail)}`;
  }
}
