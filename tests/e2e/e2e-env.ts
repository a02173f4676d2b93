/** Where the containers suite starts its engine; cell D is pointed at its socket from the start. */
export const E2E_ENGINE_DIR = '/tmp/pic-e2e-engine';

/** The firewall suite's namespaces (`pic-<tag>-cell`, `pic-<tag>-peer`); cell H applies its tunnel in the first. */
export const FIREWALL_NETNS_TAG = 'e2eh';

/**
 * The store suite's engine (its folder), the registry it publishes to, the port of its signed
 * index, and the port of the DNS server standing in for public DNS.
 */
export const E2E_STORE = {
  dir: '/tmp/pic-e2e-store',
  registryPort: 3195,
  indexPort: 3196,
  publicDnsPort: 3197,
} as const;
