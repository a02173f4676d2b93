/** How to trust the cell's root certificate on each platform, and which platform a browser runs on. */
export const PLATFORMS = ['Windows', 'macOS', 'iPhone and iPad', 'Android', 'Linux'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const TRUST_STEPS: Record<Platform, string> = {
  Windows:
    'Open the file, choose “Install Certificate…”, Local Machine, and place it in “Trusted Root Certification Authorities”.',
  macOS:
    'Open the file in Keychain Access (System keychain), then open the certificate and set “When using this certificate” to “Always Trust”.',
  'iPhone and iPad':
    'Open the download, install the profile in Settings → General → VPN & Device Management, then turn it on in Settings → General → About → Certificate Trust Settings.',
  Android:
    'Settings → Security → Encryption & credentials → Install a certificate → CA certificate, and pick the file.',
  Linux:
    'Copy it to /usr/local/share/ca-certificates/cell-root-ca.crt and run sudo update-ca-certificates; Firefox has its own store (Settings → Certificates → Import).',
};

/** The platform a browser's user agent names, or null when it is not one of these. */
export function platformOf(userAgent: string, maxTouchPoints = 0): Platform | null {
  if (/iPhone|iPad|iPod/.test(userAgent)) return 'iPhone and iPad';
  // iPadOS asks for the desktop site: a "Macintosh" with a touch screen is an iPad.
  if (/Macintosh/.test(userAgent)) return maxTouchPoints > 1 ? 'iPhone and iPad' : 'macOS';
  if (/Android/.test(userAgent)) return 'Android';
  if (/Windows/.test(userAgent)) return 'Windows';
  if (/Linux|X11|CrOS/.test(userAgent)) return 'Linux';
  return null;
}
