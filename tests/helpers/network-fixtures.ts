/** Renderer inputs shared by the golden tests and the real-tool checks, so both see the same files. */
import type { DnsmasqModel } from '@/server/managers/dhcp/render';
import type { CorefileModel, ZoneModel } from '@/server/managers/dns/render';
import type { ChronyModel } from '@/server/managers/ntp/render';
import { goldenInputs } from './golden';

export const ZONES = goldenInputs<ZoneModel>('dns-zone');
export const COREFILES = goldenInputs<CorefileModel>('dns-corefile');
export const CHRONY = goldenInputs<ChronyModel>('ntp-chrony');
export const DNSMASQ = goldenInputs<DnsmasqModel>('dhcp-dnsmasq');
