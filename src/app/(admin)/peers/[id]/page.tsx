import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { pageSession, requirePage } from '@/server/auth/page-session';
import { getDb } from '@/server/db';
import { peerNames } from '@/server/managers/peers';
import { PeerView } from './peer-view';

const idOf = (raw: string) => (/^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : null);

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  // Metadata renders beside the layout's check: a peer's name goes only to an admin.
  const session = await pageSession();
  const id = idOf((await params).id);
  const name = id === null || session?.role !== 'admin' ? undefined : peerNames(getDb(), [id])[id];
  return { title: name ? `${name} · Peers` : 'Peer' };
}

/** Everything about one peer: /peers/<id>. */
export default async function PeerPage({ params }: { params: Promise<{ id: string }> }) {
  // Pages render beside their layout: this one checks the session itself before it looks anything up.
  await requirePage('admin');
  const id = idOf((await params).id);
  if (id === null || !peerNames(getDb(), [id])[id]) notFound();
  return <PeerView id={id} />;
}
