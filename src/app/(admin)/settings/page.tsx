import { SettingsView } from './settings-view';

export const metadata = { title: 'Settings' };

export default function Page() {
  return <SettingsView />;
}
