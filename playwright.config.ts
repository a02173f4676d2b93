import { defineConfig } from '@playwright/test';

/**
 * Three fresh cells from the same build: A for the browser flows, B and C for the HTTP
 * contract (B and C run side by side to prove their sessions do not collide).
 */
export const CELLS = { a: 3100, b: 3101, c: 3102 } as const;

const server = (name: keyof typeof CELLS) => ({
  command: `rm -rf .e2e/${name} && PIC_DATA_DIR=.e2e/${name} PIC_LOG_STDOUT=0 ./node_modules/.bin/next start -p ${CELLS[name]}`,
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
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  projects: [
    { name: 'http', testMatch: /http\.spec\.ts/ },
    { name: 'browser', testMatch: /browser\.spec\.ts/, use: { baseURL: `http://localhost:${CELLS.a}` } },
  ],
  webServer: [server('a'), server('b'), server('c')],
});
