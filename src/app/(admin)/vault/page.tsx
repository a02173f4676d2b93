import { VaultView } from './vault-view';

export const metadata = { title: 'Vault' };

export default function VaultPage() {
  return <VaultView />;
}
