/** @type {import('next').NextConfig} */
const nextConfig = {
  // The production image copies the standalone server; local runs use `next start`.
  output: process.env.PIC_STANDALONE === '1' ? 'standalone' : undefined,
  // docker/debian/build-images.sh builds the standalone server beside the usual build.
  distDir: process.env.PIC_DIST_DIR || '.next',
  // age-encryption: Node loads it as the ES module it is, as the command line does (managers/backup/age.ts).
  serverExternalPackages: ['better-sqlite3', 'dockerode', 'ssh2', 'cpu-features', 'age-encryption'],
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
