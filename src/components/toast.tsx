'use client';

import * as RadixToast from '@radix-ui/react-toast';
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

export type ToastKind = 'ok' | 'warn' | 'error';
interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

const ToastContext = createContext<(text: string, kind?: ToastKind) => void>(() => {});

/** Short confirmations ("Copied", "Settings saved") that screen readers announce and that go by themselves. */
export function Toaster({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const show = useCallback((text: string, kind: ToastKind = 'ok') => {
    setToasts((all) => [...all.slice(-2), { id: Date.now() + Math.random(), kind, text }]);
  }, []);
  const drop = (id: number) => setToasts((all) => all.filter((t) => t.id !== id));
  return (
    <ToastContext.Provider value={show}>
      <RadixToast.Provider swipeDirection="right" duration={5000}>
        {children}
        {toasts.map((t) => (
          <RadixToast.Root
            key={t.id}
            className={`toast toast-${t.kind}`}
            type={t.kind === 'error' ? 'foreground' : 'background'}
            onOpenChange={(open) => !open && drop(t.id)}
          >
            <RadixToast.Description>{t.text}</RadixToast.Description>
            <RadixToast.Close className="btn btn-link" aria-label="Dismiss">
              ×
            </RadixToast.Close>
          </RadixToast.Root>
        ))}
        <RadixToast.Viewport className="toasts" />
      </RadixToast.Provider>
    </ToastContext.Provider>
  );
}

export function useToast(): (text: string, kind?: ToastKind) => void {
  return useContext(ToastContext);
}

/** Copies text and says so (or says why it could not: clipboard access needs HTTPS or localhost). */
export function useCopy(): (text: string, what?: string) => void {
  const toast = useToast();
  return (text, what = 'Text') => {
    if (!navigator.clipboard) return toast('Copying needs HTTPS or localhost: select the text and copy it.', 'warn');
    navigator.clipboard.writeText(text).then(
      () => toast(`${what} copied.`),
      () => toast('The browser did not allow copying: select the text and copy it.', 'warn'),
    );
  };
}
