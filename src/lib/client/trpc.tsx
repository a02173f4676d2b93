'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { createTRPCReact } from '@trpc/react-query';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '@/server/routers/_app';
import { SETUP_CODE_HEADER } from '@/lib/schemas/setup';
import { csrfToken } from './csrf';

/** The setup code the wizard took (from another machine than the cell's host), sent with each call. */
const wizard = { setupCode: null as string | null };

export function sendSetupCode(code: string | null): void {
  wizard.setupCode = code;
}

export const trpc = createTRPCReact<AppRouter>();

export function TRPCProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            retry: (count, err) => count < 2 && !(err instanceof TRPCClientError && err.data?.httpStatus < 500),
            refetchOnWindowFocus: false,
          },
        },
      }),
  );
  const [client] = useState(() =>
    trpc.createClient({
      links: [
        // Subscriptions (live logs) arrive as server-sent events; everything else is batched.
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/api/trpc', transformer: superjson }),
          false: httpBatchLink({
            url: '/api/trpc',
            transformer: superjson,
            async headers({ opList }) {
              const mutates = opList.some((op) => op.type === 'mutation');
              return {
                ...(mutates ? { 'x-csrf-token': await csrfToken() } : {}),
                ...(wizard.setupCode ? { [SETUP_CODE_HEADER]: wizard.setupCode } : {}),
              };
            },
          }),
        }),
      ],
    }),
  );
  return (
    <trpc.Provider client={client} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}

export type FieldErrors = Record<string, string[]> | null | undefined;

/** Per-field messages from a failed call, for showing next to the inputs. */
export function fieldErrorsOf(err: unknown): Record<string, string[]> {
  if (err instanceof TRPCClientError) return (err.data?.fieldErrors as Record<string, string[]> | null) ?? {};
  return {};
}
