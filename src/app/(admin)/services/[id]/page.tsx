import type { Metadata } from 'next';
import { requirePage } from '@/server/auth/page-session';
import { ServiceView } from './service-view';

const idOf = (raw: string) => (/^[a-z][a-z0-9-]{1,40}$/.test(raw) ? raw : null);

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const id = idOf((await params).id);
  return { title: id ? `${id} · Services` : 'Service' };
}

/** One installed service: /services/<instance id>. */
export default async function ServicePage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage('admin');
  const id = idOf((await params).id);
  return <ServiceView id={id ?? ''} />;
}
