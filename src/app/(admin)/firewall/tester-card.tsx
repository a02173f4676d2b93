'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { Pick } from './pick';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function Tester() {
  const [source, setSource] = useState({ kind: 'peer', ref: '' });
  const [destination, setDestination] = useState({ kind: 'service', ref: 'web' });
  const [port, setPort] = useState('');
  const [protocol, setProtocol] = useState<'tcp' | 'udp' | 'icmp'>('tcp');
  const [asked, setAsked] = useState<Parameters<typeof trpc.firewall.test.useQuery>[0] | null>(null);
  const answer = trpc.firewall.test.useQuery(asked!, { enabled: asked !== null, retry: false });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const src =
      source.kind === 'peer'
        ? { peerId: Number(source.ref) }
        : source.kind === 'group'
          ? { groupId: Number(source.ref) }
          : { cidr: source.ref };
    const dst =
      destination.kind === 'service'
        ? { service: destination.ref }
        : destination.kind === 'peer'
          ? { peerId: Number(destination.ref) }
          : { address: destination.ref, port: port ? Number(port) : undefined, protocol };
    setAsked({ source: src, destination: dst });
  };
  return (
    <section className="card stack" aria-labelledby="tester-head">
      <h2 id="tester-head">Can X reach Y?</h2>
      <form className="stack" onSubmit={submit} aria-label="Reach tester">
        <Pick
          label="Source"
          kinds={[
            ['peer', 'a peer'],
            ['group', 'a group'],
            ['cidr', 'addresses'],
          ]}
          value={source}
          onChange={setSource}
        />
        <Pick
          label="Destination"
          kinds={[
            ['service', 'a service'],
            ['peer', 'a peer (ping)'],
            ['address', 'an address'],
          ]}
          value={destination}
          onChange={setDestination}
        />
        {destination.kind === 'address' && (
          <>
            <label>
              Protocol{' '}
              <select value={protocol} onChange={(e) => setProtocol(e.target.value as typeof protocol)}>
                <option>tcp</option>
                <option>udp</option>
                <option>icmp</option>
              </select>
            </label>
            <Field label="Port" name="port" value={port} onChange={(e) => setPort(e.target.value)} />
          </>
        )}
        <div>
          <button className="btn" type="submit">
            Test
          </button>
        </div>
      </form>
      {answer.error && <Alert kind="error">{errorText(answer.error)}</Alert>}
      {answer.data && (
        <Alert kind={answer.data.allowed ? 'ok' : 'warn'}>
          <span data-testid="tester-answer">
            <strong>{answer.data.allowed ? 'Allow' : 'Deny'}</strong>: {answer.data.source} →{' '}
            {answer.data.destination.address}
            {answer.data.destination.port ? `:${answer.data.destination.port}` : ''}/{answer.data.destination.proto},
            decided by the {answer.data.rule.owner} rule “{answer.data.rule.why}” ({answer.data.rule.chain} #
            {answer.data.rule.position}).
          </span>
        </Alert>
      )}
    </section>
  );
}
