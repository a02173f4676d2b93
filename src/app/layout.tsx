import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { TRPCProvider } from '@/lib/client/trpc';
import './globals.css';

export const metadata: Metadata = {
  title: 'Personal Internet Cell',
  description: 'Your own piece of the internet',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCProvider>{children}</TRPCProvider>
      </body>
    </html>
  );
}
