import { ServicesView } from './services-view';

export const metadata = { title: 'Services' };

export default function ServicesPage() {
  return <ServicesView />;
}
