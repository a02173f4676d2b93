import { describe, expect, it } from 'vitest';
import { describeEntry, type EntryLike } from '@/lib/activity';

const entry = (procedure: string, input: unknown, over: Partial<EntryLike> = {}): EntryLike => ({
  actor: 'admin',
  procedure,
  input: JSON.stringify(input),
  outcome: 'success',
  detail: null,
  ...over,
});

describe('activity in sentences', () => {
  it('names the peer a change acted on', () => {
    const names = { 7: 'bob-laptop' };
    expect(describeEntry(entry('peers.setEnabled', { id: 7, enabled: false }), names)).toBe(
      'admin disabled peer bob-laptop',
    );
    expect(describeEntry(entry('peers.createLogin', { peerId: 7, username: 'bob' }), names)).toBe(
      'admin gave peer bob-laptop the portal login bob',
    );
    expect(describeEntry(entry('peers.create', { name: 'phone' }))).toBe('admin created peer phone');
  });

  it('keeps the number of a peer that is gone', () => {
    expect(describeEntry(entry('peers.remove', { id: 9 }))).toBe('admin deleted peer #9');
  });

  it('says who was refused and why, and what failed', () => {
    const refused = entry(
      'dns.removeRecord',
      { id: 1 },
      { actor: 'intruder', outcome: 'refused', detail: 'FORBIDDEN: Admins only' },
    );
    expect(describeEntry(refused)).toBe('intruder tried to delete DNS record #1, refused: Admins only');
    expect(describeEntry(entry('auth.login', {}, { actor: 'eve', outcome: 'refused', detail: 'wrong password' }))).toBe(
      'eve tried to sign in, refused: wrong password',
    );
    expect(
      describeEntry(entry('routes.create', { host: 'a.example' }, { outcome: 'error', detail: 'disk full' })),
    ).toBe('admin tried to add the route a.example, which failed: disk full');
  });

  it('names the wizard and the cell itself as such', () => {
    expect(describeEntry(entry('setup.complete', { cellName: 'home' }, { actor: 'setup', actorRole: 'setup' }))).toBe(
      'The setup wizard set up the cell home',
    );
    expect(describeEntry(entry('wireguard.repair', {}, { actor: 'system', actorRole: 'system' }))).toBe(
      'The cell repaired the WireGuard interface, which had drifted',
    );
  });

  it('reads an unknown procedure as what ran, and survives input that is not JSON', () => {
    expect(describeEntry(entry('store.install', { app: 'mail' }))).toBe('admin ran store.install');
    expect(describeEntry({ ...entry('peers.remove', {}), input: '{oops' })).toBe('admin deleted peer');
  });
});
