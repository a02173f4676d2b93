import { instanceId } from '../runtime/secrets';

/**
 * Cookie names carry a per-instance id derived from the instance secret, so two
 * cells on one host (localhost:3000 and localhost:3001) never read each other's cookies.
 */
export function cookieNames() {
  const id = instanceId();
  return {
    session: `pic-${id}.session`,
    authCsrf: `pic-${id}.auth-csrf`,
    callbackUrl: `pic-${id}.callback-url`,
    csrf: `pic-${id}.csrf`,
  };
}

/** HTTPS as the browser sees it: directly, or behind the cell's Caddy. */
export function isSecureRequest(url: string, headers: Headers): boolean {
  return headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https' || url.startsWith('https:');
}
