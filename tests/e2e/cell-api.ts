import type { APIRequestContext, Page } from '@playwright/test';
import { expect } from '@playwright/test';

/** Talks to a cell over HTTP the way a script would (see the README). */
export function cellApi(request: APIRequestContext, base: string) {
  const trpcUrl = (path: string, input?: unknown) =>
    `${base}/api/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`;
  return {
    base,
    async csrf(): Promise<string> {
      const r = await request.get(`${base}/api/csrf`);
      return ((await r.json()) as { token: string }).token;
    },
    query(path: string, input?: unknown) {
      return request.get(trpcUrl(path, input));
    },
    /** A mutation names the cell as its Origin, as a browser would; `headers` may override it. */
    async mutate(path: string, input: unknown, headers: Record<string, string> = {}) {
      return request.post(trpcUrl(path), {
        data: { json: input },
        headers: { 'content-type': 'application/json', origin: base, ...headers },
      });
    },
    async login(username: string, password: string) {
      const { csrfToken } = (await (await request.get(`${base}/api/auth/csrf`)).json()) as { csrfToken: string };
      return request.post(`${base}/api/auth/callback/credentials`, {
        form: { username, password, csrfToken, json: 'true' },
      });
    },
    async setup(input: Record<string, unknown> = {}) {
      const r = await this.mutate('setup.complete', {
        cellName: 'home',
        domainMode: 'lan',
        timezone: 'UTC',
        adminUsername: 'admin',
        adminPassword: 'correct horse battery',
        services: ['dns', 'ntp', 'wireguard'],
        ...input,
      });
      return r;
    },
  };
}

export async function loginOk(r: Awaited<ReturnType<APIRequestContext['post']>>) {
  expect(r.status()).toBe(200);
  const { url } = (await r.json()) as { url: string };
  expect(new URL(url).searchParams.get('error')).toBeNull();
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens a row's "…" menu (labelled "Actions for <name>") and picks an action. */
export async function rowAction(page: Page, name: string, action: string) {
  await page.getByRole('button', { name: `Actions for ${name}`, exact: true }).click();
  await page.getByRole('menuitem', { name: action }).click();
}
