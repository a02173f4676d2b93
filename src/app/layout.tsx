import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Toaster } from '@/components/toast';
import { TRPCProvider } from '@/lib/client/trpc';
import './globals.css';

export const metadata: Metadata = {
  // Each page names itself: "Peers · Personal Internet Cell".
  title: { default: 'Personal Internet Cell', template: '%s · Personal Internet Cell' },
  description: 'Your own piece of the internet',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCProvider>
          <Toaster>{children}</Toaster>
        </TRPCProvider>
      </body>
    </html>
  );
}
