/**
 * An HTTP client for a running cell, as one browser tab talks to it: its own cookies, the
 * CSRF token, Origin, superjson. Over HTTP on a kept-alive connection, or over HTTPS to a
 * name the cell's certificate covers, trusting the cell's root, connecting where told (what
 * `curl --cacert … --resolve …` does).
 */
import http from 'node:http';
import https from 'node:https';

export interface TlsTarget {
  /** The cell's root certificate (PEM). */
  ca: string;
  /** Where to connect instead of resolving the URL's host. */
  connect?: string;
}

/** A client with its own cookies: what one signed-in browser tab sends. */
export class CellClient {
  private cookies = new Map<string, string>();
  private csrf = '';
  private agent: http.Agent | undefined;

  constructor(
    readonly base: string,
    private readonly tls?: TlsTarget,
  ) {}

  /** Drops the kept-alive connections (the server they went to has stopped); cookies stay. */
  forgetConnections(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private take(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }

  private get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /**
   * One request on a kept-alive connection, as a browser sends it. node:http rather than the
   * global fetch: undici spends about a millisecond per call on the bench's side of two
   * shared cores, which the figures would charge to the server.
   */
  async fetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    const target = new URL(`${this.base}${url}`);
    const { status, headers, body } = await new Promise<{ status: number; headers: Headers; body: Buffer }>(
      (resolve, reject) => {
        const secure = target.protocol === 'https:';
        // Idle connections are dropped before the server's keep-alive timeout (5 s) closes them under a request.
        const opts = { keepAlive: true, timeout: 4_000 };
        this.agent ??= secure ? new https.Agent(opts) : new http.Agent(opts);
        const req = (secure ? https : http).request(
          {
            host: this.tls?.connect ?? target.hostname,
            port: target.port || (secure ? 443 : 80),
            path: `${target.pathname}${target.search}`,
            method: init.method ?? 'GET',
            agent: this.agent,
            headers: { host: target.host, cookie: this.cookieHeader, ...init.headers },
            ...(secure && { ca: this.tls?.ca, servername: target.hostname }),
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const headers = new Headers();
              for (const [k, v] of Object.entries(res.headers))
                for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
              resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
            });
          },
        );
        // A request that hangs is an error in the figures, not a bench that never ends.
        req.setTimeout(30_000, () => req.destroy(new Error(`${url}: no answer in 30 s`)));
        req.on('error', reject);
        req.end(init.body);
      },
    );
    const res = new Response(status === 204 || status === 304 ? null : new Uint8Array(body), { status, headers });
    this.take(res);
    return res;
  }

  async signIn(username: string, password: string): Promise<void> {
    const { csrfToken } = (await (await this.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const res = await this.fetch('/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.base },
      body: new URLSearchParams({ username, password, csrfToken, json: 'true' }).toString(),
    });
    if (res.status >= 400) throw new Error(`sign-in failed: ${res.status}`);
    await res.arrayBuffer();
    this.csrf = ((await (await this.fetch('/api/csrf')).json()) as { token: string }).token;
  }

  private async result<T>(res: Response, what: string): Promise<T> {
    const text = await res.text();
    let body: { result?: { data: { json: T } }; error?: { json: { message: string } } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`${what}: ${res.status}, not JSON: ${JSON.stringify(text.slice(0, 200))}`);
    }
    if (!res.ok || !body.result) throw new Error(`${what}: ${res.status} ${body.error?.json.message ?? ''}`);
    return body.result.data.json;
  }

  async query<T = unknown>(proc: string, input?: unknown): Promise<T> {
    const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
    return this.result<T>(await this.fetch(`/api/trpc/${proc}${q}`), proc);
  }

  async mutate<T = unknown>(proc: string, input: unknown): Promise<T> {
    const res = await this.fetch(`/api/trpc/${proc}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.base, 'x-csrf-token': this.csrf },
      body: JSON.stringify({ json: input }),
    });
    return this.result<T>(res, proc);
  }

  /** The raw response of a GET, for downloads. */
  async get(url: string): Promise<Response> {
    return this.fetch(url);
  }
}
