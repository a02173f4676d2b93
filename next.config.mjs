/** @type {import('next').NextConfig} */
const nextConfig = {
  // One build serves both: `next start` (npm start, the tests) and the standalone server the
  // images copy (scripts/lib.sh builds with PIC_STANDALONE=1; `next start` runs without it).
  output: process.env.PIC_STANDALONE === '1' ? 'standalone' : undefined,
  // age-encryption: Node loads it as the ES module it is, as the command line does (managers/backup/age.ts).
  serverExternalPackages: ['better-sqlite3', 'dockerode', 'ssh2', 'cpu-features', 'age-encryption'],
  // The test runner has just run `tsc --noEmit` on the same tree: its build does not check types twice.
  typescript: { ignoreBuildErrors: process.env.PIC_TYPES_CHECKED === '1' },
  poweredByHeader: false,
  reactStrictMode: true,
  // The Routes page was called Routing: old bookmarks still land on it.
  async redirects() {
    return [{ source: '/routing', destination: '/routes', permanent: true }];
  },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
