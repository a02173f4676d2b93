export const DOMAIN_MODES = ['pic_ngo', 'cloudflare', 'duckdns', 'http01', 'lan'] as const;
export type DomainMode = (typeof DOMAIN_MODES)[number];

interface ModeInfo {
  label: string;
  summary: string;
  /** Whether the person types a domain; otherwise it is derived from the cell name. */
  domain: 'required' | 'derived' | 'optional';
  token: boolean;
  tokenLabel?: string;
}

export const DOMAIN_MODE_INFO: Record<DomainMode, ModeInfo> = {
  pic_ngo: {
    label: 'pic.ngo subdomain',
    summary: 'A free <cell-name>.pic.ngo name with a wildcard certificate. Nothing to configure.',
    domain: 'derived',
    token: false,
  },
  cloudflare: {
    label: 'Cloudflare',
    summary: 'Your own domain on Cloudflare; certificates through DNS-01 with an API token (Zone.DNS edit).',
    domain: 'required',
    token: true,
    tokenLabel: 'Cloudflare API token',
  },
  duckdns: {
    label: 'DuckDNS',
    summary: 'A free name under duckdns.org; certificates through DNS-01 with your DuckDNS token.',
    domain: 'required',
    token: true,
    tokenLabel: 'DuckDNS token',
  },
  http01: {
    label: 'Own domain (HTTP-01)',
    summary:
      'Your own domain pointed at this cell; one certificate per host. Port 80 must be reachable from the internet.',
    domain: 'required',
    token: false,
  },
  lan: {
    label: 'LAN only',
    summary:
      'No public name. The cell’s own certificate authority signs every service; install its root once per device.',
    domain: 'optional',
    token: false,
  },
};

/** The domain a mode ends up with, given the cell name and what was typed. */
export function effectiveDomain(mode: DomainMode, cellName: string, typed?: string): string {
  if (mode === 'pic_ngo') return `${cellName}.pic.ngo`;
  if (mode === 'lan' && !typed) return `${cellName}.home.arpa`;
  return typed ?? '';
}
