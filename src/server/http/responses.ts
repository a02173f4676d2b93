export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

/** The answer to every API call before setup: 428 and where to go. */
export function setupRequired(): Response {
  return json({ error: 'setup_required', message: 'The cell is not set up yet', setup: '/setup' }, 428);
}
