/** Services that can be enabled at setup. Later services join this list. */
export const SETUP_SERVICES = [
  { id: 'dns', label: 'DNS', description: 'Names for your devices and services in the private .cell zone.' },
  { id: 'ntp', label: 'Time (NTP)', description: 'Accurate time for peers; TLS and one-time codes depend on it.' },
  { id: 'wireguard', label: 'WireGuard VPN', description: 'Your devices join the cell through an encrypted tunnel.' },
] as const;

export type SetupServiceId = (typeof SETUP_SERVICES)[number]['id'];
export const SETUP_SERVICE_IDS = SETUP_SERVICES.map((s) => s.id) as [SetupServiceId, ...SetupServiceId[]];
