import { describe, expect, it } from 'vitest';
import { recordConflict, recordInput, type ExistingRecord } from '@/lib/schemas/dns';

const problems = (input: Record<string, unknown>) => {
  const r = recordInput.safeParse({ zone: 'cell', ttl: 300, ...input });
  return r.success ? null : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
};

describe('record validation', () => {
  it('accepts every type in its own form', () => {
    for (const [type, name, value] of [
      ['A', 'nas', '10.0.0.7'],
      ['AAAA', 'nas', 'fd00::7'],
      ['CNAME', 'files', 'nas'],
      ['CNAME', 'www', 'host.example.org.'],
      ['TXT', '@', 'v=spf1 -all'],
      ['MX', '@', '10 mail'],
      ['SRV', '_caldavs._tcp', '0 1 443 calendar'],
      ['A', '*.lab', '10.0.0.9'],
    ]) {
      expect(problems({ type, name, value }), `${type} ${name}`).toBeNull();
    }
  });

  it('names the field and the reason', () => {
    expect(problems({ type: 'A', name: 'nas', value: 'fd00::1' })).toEqual({ value: 'An IPv4 address like 10.0.0.5' });
    expect(problems({ type: 'AAAA', name: 'nas', value: '10.0.0.1' })).toEqual({
      value: 'An IPv6 address like fd00::5',
    });
    expect(problems({ type: 'A', name: 'bad name', value: '10.0.0.1' })).toHaveProperty('name');
    expect(problems({ type: 'A', name: `${'a'.repeat(64)}`, value: '10.0.0.1' })).toHaveProperty('name');
    expect(problems({ type: 'A', name: 'a.*', value: '10.0.0.1' })).toHaveProperty('name');
    expect(problems({ type: 'A', name: 'ok', value: '10.0.0.1', ttl: 10 })).toEqual({ ttl: 'At least 30 seconds' });
    expect(problems({ type: 'A', name: 'ok', value: '10.0.0.1', ttl: 90000 })).toEqual({
      ttl: 'At most one day (86400 seconds)',
    });
    expect(problems({ type: 'CNAME', name: 'x', value: 'a b' })).toHaveProperty('value');
    expect(problems({ type: 'MX', name: '@', value: 'mail' })).toHaveProperty('value');
    expect(problems({ type: 'SRV', name: '_x._tcp', value: '0 1 99999 a' })).toHaveProperty('value');
    expect(problems({ type: 'TXT', name: 'x', value: 'line\u0000' })).toEqual({ value: 'No control characters' });
    expect(problems({ type: 'TXT', name: 'x', value: 'x'.repeat(4001) })).toHaveProperty('value');
  });
});

describe('record conflicts', () => {
  const existing: ExistingRecord[] = [
    { zone: 'cell', name: 'alice-phone', type: 'A', value: '10.0.0.2', owner: 'peer alice-phone' },
    { id: 1, zone: 'cell', name: 'files', type: 'CNAME', value: 'nas' },
    { id: 2, zone: 'cell', name: 'nas', type: 'A', value: '10.0.0.7' },
  ];

  it('refuses to shadow an automatic name, and says whose it is', () => {
    expect(recordConflict({ zone: 'cell', name: 'alice-phone', type: 'TXT', value: 'x' }, existing)).toEqual({
      field: 'name',
      message: 'alice-phone.cell belongs to peer alice-phone',
    });
  });

  it('refuses duplicates and CNAMEs beside other data, either way round', () => {
    expect(recordConflict({ zone: 'cell', name: 'nas', type: 'A', value: '10.0.0.7' }, existing)?.field).toBe('value');
    expect(recordConflict({ zone: 'cell', name: 'nas', type: 'CNAME', value: 'x' }, existing)?.message).toMatch(
      /must stand alone/,
    );
    expect(recordConflict({ zone: 'cell', name: 'files', type: 'TXT', value: 'x' }, existing)?.message).toMatch(
      /is a CNAME/,
    );
  });

  it('allows a second address, the same name in another zone, and editing a record in place', () => {
    expect(recordConflict({ zone: 'cell', name: 'nas', type: 'A', value: '10.0.0.8' }, existing)).toBeNull();
    expect(recordConflict({ zone: 'example.org', name: 'nas', type: 'CNAME', value: 'x' }, existing)).toBeNull();
    expect(recordConflict({ id: 1, zone: 'cell', name: 'files', type: 'CNAME', value: 'nas2' }, existing)).toBeNull();
  });
});
