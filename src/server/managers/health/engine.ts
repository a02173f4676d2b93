import http from 'node:http';

/** The engine socket the cell talks to: `PIC_DOCKER_SOCKET`, a `unix://` DOCKER_HOST, or the default. */
export function engineSocket(): string {
  if (process.env.PIC_DOCKER_SOCKET) return process.env.PIC_DOCKER_SOCKET;
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export interface EngineStatus {
  reachable: boolean;
  socket: string;
  version?: string;
  error?: string;
}

function get(socketPath: string, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`engine answered HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Pings the Docker Engine API; never throws, never waits longer than the timeout. */
export async function engineStatus(timeoutMs = 800): Promise<EngineStatus> {
  const socket = engineSocket();
  try {
    await get(socket, '/_ping', timeoutMs);
    const version = JSON.parse(await get(socket, '/version', timeoutMs)) as { Version?: string };
    return { reachable: true, socket, version: version.Version };
  } catch (err) {
    return { reachable: false, socket, error: (err as Error).message };
  }
}
