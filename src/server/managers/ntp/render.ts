/**
 * Pure renderer for chrony.conf: upstream servers and pools, service only to the tunnel
 * and cell networks, and a local stratum so peers keep a time when upstreams are gone.
 */
import { checked, CIDR, GENERATED, HOSTNAME, IP, RenderError } from '../render-guard';

export interface ChronyModel {
  sources: { kind: 'server' | 'pool'; host: string; iburst: boolean }[];
  /** Networks that may ask the cell for time. */
  allow: string[];
  /** Stratum served when no upstream answers; null turns the fallback off. */
  localStratum: number | null;
}

export function renderChronyConf(m: ChronyModel): string {
  if (!m.sources.length && m.localStratum === null)
    throw new RenderError('chrony needs an upstream or a local stratum');
  const host = (h: string) => (IP.test(h) ? h : checked(h, HOSTNAME, 'NTP source'));
  const lines = [
    `# ${GENERATED}`,
    ...m.sources.map(
      (s) => `${s.kind} ${host(s.host)}${s.iburst ? ' iburst' : ''}${s.kind === 'pool' ? ' maxsources 4' : ''}`,
    ),
    'driftfile /var/lib/chrony/chrony.drift',
    // Step the clock at start if it is far off, slew afterwards.
    'makestep 1.0 3',
    ...m.allow.map((n) => `allow ${checked(n, CIDR, 'allowed network')}`),
    ...(m.localStratum === null
      ? []
      : [`local stratum ${checked(m.localStratum, /^(?:[1-9]|1[0-5])$/, 'local stratum')} orphan`]),
    // chronyc status works from inside the container only.
    'bindcmdaddress 127.0.0.1',
    'cmdallow 127.0.0.1',
  ];
  return `${lines.join('\n')}\n`;
}
