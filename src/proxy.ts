import { NextResponse, type NextRequest } from 'next/server';

/**
 * Tells server-rendered pages which path was asked for (`x-pic-path`), so signing in can
 * return there; whatever a client sent under that name is replaced.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set('x-pic-path', request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ['/((?!api/|_next/|favicon.ico).*)'],
};
