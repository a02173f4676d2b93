import { VaultView } from './vault-view';

export default function VaultPage() {
  return <VaultView />;
}
