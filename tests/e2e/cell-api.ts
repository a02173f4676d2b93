import type { APIRequestContext, ConsoleMessage, Page, Request, Response } from '@playwright/test';
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

/**
 * Signs in through the login form, as a person would. A login page that is still not
 * interactive after 30 s (a few CI runs saw one never hydrate, on a cell whose suite had just
 * started an engine) is reported with what its requests and scripts did, and loaded again.
 */
export async function signIn(page: Page, username: string, password: string) {
  const open = new Map<object, string>();
  const seen: string[] = [];
  const track = (r: Request) => open.set(r, r.url());
  const finished = (r: Request) => open.delete(r);
  const failed = (r: Request) => {
    open.delete(r);
    seen.push(`failed ${r.url()}: ${r.failure()?.errorText}`);
  };
  const answered = (r: Response) => {
    if (r.status() >= 400) seen.push(`HTTP ${r.status()} ${r.url()}`);
  };
  const crashed = (e: Error) => seen.push(`page error: ${e.message}`);
  const said = (m: ConsoleMessage) => {
    if (m.type() === 'error') seen.push(`console: ${m.text()}`);
  };
  const listen = (method: 'on' | 'off') => {
    page[method]('request', track);
    page[method]('requestfinished', finished);
    page[method]('requestfailed', failed);
    page[method]('response', answered);
    page[method]('pageerror', crashed);
    page[method]('console', said);
  };
  listen('on');
  await page.goto('/login');
  const field = page.getByLabel('Username');
  const interactive = await expect(field)
    .toBeEnabled({ timeout: 30_000 })
    .then(() => true)
    .catch(() => false);
  listen('off');
  if (!interactive) {
    const still = [...open.values()].map((u) => `open ${u}`);
    console.warn(
      `login page not interactive after 30 s: ${[...seen, ...still].join('; ') || 'every request answered'}`,
    );
    await page.reload();
  }
  await field.fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens a row's "…" menu (labelled "Actions for <name>") and picks an action. */
export async function rowAction(page: Page, name: string, action: string) {
  await page.getByRole('button', { name: `Actions for ${name}`, exact: true }).click();
  await page.getByRole('menuitem', { name: action }).click();
}
