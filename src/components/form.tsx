'use client';

import { useSyncExternalStore, type FormHTMLAttributes, type ReactNode } from 'react';

const never = () => () => {};

/** False on the server and while the page hydrates; true once React handles events. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
}

/**
 * A form that cannot be used before the page is interactive: until then its fields are
 * disabled, so nothing typed is lost and nothing is submitted by the browser on its own.
 * It posts, so even then no value (a password) could ever end up in a URL.
 */
export function Form({ children, ...form }: FormHTMLAttributes<HTMLFormElement> & { children: ReactNode }) {
  const hydrated = useHydrated();
  return (
    <form method="post" {...form}>
      <fieldset className="form-fields" disabled={!hydrated}>
        {children}
      </fieldset>
    </form>
  );
}
