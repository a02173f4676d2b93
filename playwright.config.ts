import { defineConfig } from '@playwright/test';
import { E2E_ENGINE_DIR, E2E_STORE, FIREWALL_NETNS_TAG } from './tests/e2e/e2e-env';

/**
 * Fresh cells from the same build: A for the browser flows, B and C for the HTTP contract
 * (B and C run side by side to prove their sessions do not collide), D for the containers
 * page on an engine, E for the network services, routes, settings, vault, backups and logs pages without one,
 * F for the abuse suite (debug log, so it can count password hashes), G for the pages on a phone,
 * their accessibility and the bugs found by walking them, H for the firewall on a real tunnel,
 * I for the Services page on an engine of its own with a local registry and a signed index.
 */
export const CELLS = { a: 3100, b: 3101, c: 3102, d: 3103, e: 3104, f: 3105, g: 3106, h: 3107, i: 3108 } as const;

/** Cell H's tunnel and firewall live in the namespace the firewall suite builds (root only). */
const FIREWALL_ENV = [
  'PIC_WG_BACKEND=local',
  'PIC_WG_INTERFACE=wgh0',
  `PIC_WG_NETNS=pic-${FIREWALL_NETNS_TAG}-cell`,
  'PIC_DOCKER_SOCKET=/nonexistent/docker.sock',
].join(' ');

/**
 * Cell D manages the engine that the containers suite starts at this socket (after the
 * cell is up: the cell finds an engine whenever it appears), with stand-in images.
 */
const ENGINE_ENV = [
  `PIC_DOCKER_SOCKET=${E2E_ENGINE_DIR}/docker.sock`,
  'PIC_CELL_SUBNET=172.29.8.0/24',
  'PIC_PUBLISH_ADDRESS=127.0.0.1',
  ...['caddy', 'dns', 'ntp', 'wireguard', 'dhcp'].map((c) => `PIC_IMAGE_${c.toUpperCase()}=pic-standin/${c}:1`),
].join(' ');

/**
 * Cell I installs from the index the store suite serves, with images from its registry,
 * trusting the keys it writes (the files are read when used, so they may come later), and
 * checks mail's records against the DNS server that suite runs as public DNS.
 */
const STORE_ENV = [
  `PIC_DOCKER_SOCKET=${E2E_STORE.dir}/docker.sock`,
  'PIC_CELL_SUBNET=172.29.10.0/24',
  'PIC_PUBLISH_ADDRESS=127.0.0.1',
  `PIC_STORE_INDEX_URL=http://127.0.0.1:${E2E_STORE.indexPort}/index.json`,
  `PIC_STORE_INDEX_KEYS=${E2E_STORE.dir}-keys/index.pub`,
  `PIC_STORE_TRUSTED_KEYS=${E2E_STORE.dir}-keys/cosign.pub`,
  `PIC_PUBLIC_RESOLVERS=127.0.0.1:${E2E_STORE.publicDnsPort}`,
].join(' ');

/** Cell E asks an ACME server that is not there: a DNS-01 mode's certificate fails at once, and says why. */
const NO_ENGINE_NO_ACME = 'PIC_DOCKER_SOCKET=/nonexistent/docker.sock PIC_ACME_DIRECTORY=https://127.0.0.1:9/directory';

const ENV: Partial<Record<keyof typeof CELLS, string>> = {
  d: ENGINE_ENV,
  e: NO_ENGINE_NO_ACME,
  h: FIREWALL_ENV,
  i: STORE_ENV,
};

const server = (name: keyof typeof CELLS) => ({
  command: `rm -rf .e2e/${name} && PIC_DATA_DIR=.e2e/${name} PIC_LOG_STDOUT=0 ${name === 'f' ? 'PIC_LOG_LEVEL=debug ' : ''}${ENV[name] ?? 'PIC_DOCKER_SOCKET=/nonexistent/docker.sock'} ./node_modules/.bin/next start -p ${CELLS[name]}`,
  url: `http://localhost:${CELLS[name]}/api/health`,
  reuseExistingServer: false,
  timeout: 60_000,
});

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: process.env.CI === 'true',
  reporter: [['list']],
  timeout: 60_000,
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.PIC_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    { name: 'http', testMatch: /http\.spec\.ts/ },
    { name: 'browser', testMatch: /browser\.spec\.ts/, use: { baseURL: `http://localhost:${CELLS.a}` } },
    { name: 'containers', testMatch: /containers\.spec\.ts/, use: { baseURL: `http://localhost:${CELLS.d}` } },
    {
      name: 'network',
      testMatch: /(backups|logs|network|routes|vault)\.spec\.ts/,
      use: { baseURL: `http://localhost:${CELLS.e}` },
    },
    { name: 'abuse', testMatch: /(abuse|matrix)\.spec\.ts/ },
    { name: 'ux', testMatch: /ux\.spec\.ts/, use: { baseURL: `http://localhost:${CELLS.g}` } },
    { name: 'firewall', testMatch: /firewall\.spec\.ts/, use: { baseURL: `http://localhost:${CELLS.h}` } },
    { name: 'store', testMatch: /store\.spec\.ts/, use: { baseURL: `http://localhost:${CELLS.i}` } },
  ],
  webServer: (Object.keys(CELLS) as (keyof typeof CELLS)[]).map(server),
});
