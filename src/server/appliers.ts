/**
 * Which daemon follows which change. A domain applies its own daemon and declares what else
 * its change touched (`changed(db, kinds)`); the appliers subscribed here run for it, once
 * per burst. This is the only place that knows which domains render from which facts.
 */
import { applyStack } from './managers/containers';
import { applyDhcp } from './managers/dhcp';
import { applyDns, declareServiceRecords } from './managers/dns';
import { applyNtp } from './managers/ntp';
import { applyFirewall, declarePeers, declareServices, firewallReset } from './managers/firewall';
import {
  firewallServices,
  noticeAccessChange,
  republishRecords,
  serviceClients,
  serviceRecords,
  syncAccounts,
  syncServiceTls,
} from './managers/store';
import { firewallPeers } from './managers/peers';
import { interfaceReset } from './managers/wireguard';
import { applyCaddy, declareServiceClients, routeSettingsRow } from './managers/routes';
import { ensureDomainCertificate } from './managers/acme';
import { hasCa } from './managers/vault';
import { subscribe } from './runtime/changes';

/** DNS: the registry's names, the cell's identity and addresses, the internal networks, the public address. */
declareServiceRecords(serviceRecords);
subscribe({
  name: 'dns',
  on: ['names', 'cell', 'tunnel', 'network', 'public'],
  apply: applyDns,
  // A burst of name changes (an import, a script creating peers) renders the zones once.
  settleMs: 50,
  minIntervalMs: 500,
});

/** Services that serve their own TLS get certificates from the cell's CA for their names; the pass renews them. */
subscribe({ name: 'service-tls', on: ['cell'], apply: syncServiceTls });

/** The services' records at the DNS provider (the Cloudflare mode) follow the public address. */
subscribe({ name: 'public-records', on: ['public'], apply: republishRecords, periodic: false });

/** NTP: who may ask (the tunnel subnets and the cell network). */
subscribe({ name: 'ntp', on: ['tunnel', 'network'], apply: applyNtp });

/** DHCP changes only through its own page; the loops' pass keeps it applied. */
subscribe({ name: 'dhcp', on: [], apply: applyDhcp });

/** Caddy: the cell's hosts and domain mode, the peers' networks, its own settings, who may use each service. */
declareServiceClients(serviceClients);
subscribe({
  name: 'caddy',
  on: ['cell', 'tunnel', 'network', 'proxy', 'service-access'],
  // Its certificates come from the CA's intermediate: right after setup there is none yet
  // (it is made in the background, and Caddy applied then).
  apply: async (db) =>
    hasCa(db) ? applyCaddy(db) : { state: 'pending', reason: 'the certificate authority is still being made' },
});

/**
 * A DNS-01 mode's certificate for the domain and its wildcard: asked for when the domain, the
 * mode or the token changed; the loops' pass renews it. It runs in the background and declares
 * `proxy` when it has a new one, so Caddy loads it.
 */
subscribe({
  name: 'certificate',
  on: ['cell'],
  apply: async (db) => ensureDomainCertificate(db, { email: routeSettingsRow(db)?.acmeEmail ?? null }),
});

/** A fresh `cell-wireguard` has an empty interface: the tunnel's loop loads every peer again. */
subscribe({
  name: 'tunnel',
  on: ['tunnel-restarted'],
  apply: async (db) => {
    interfaceReset(db);
    firewallReset();
  },
  periodic: false,
});

/**
 * The firewall: the peers (declared by their domain), groups and rules, the tunnel and the
 * cell network. The loops' pass compares the kernel's chains with what was loaded and
 * repairs them; a fresh `cell-wireguard` gets them again.
 */
declarePeers(firewallPeers);
declareServices(firewallServices);
subscribe({
  name: 'firewall',
  on: ['firewall', 'tunnel', 'network', 'tunnel-restarted'],
  apply: applyFirewall,
  settleMs: 20,
  minIntervalMs: 200,
  // A peer's change edits its lines only, but each restore has iptables read the whole rule set
  // (40 ms at 5,000 peers, beside the server): in a burst, runs keep to a tenth of the time.
  spacing: 10,
});

/** The container stack: DHCP on or off adds `cell-dhcp` and publishes DNS on the LAN; the tunnel port is published. */
subscribe({ name: 'stack', on: ['lan', 'tunnel'], apply: applyStack, periodic: false });

/** Peers' accounts on the store's services: who has a portal login, and whom the firewall lets use each. */
subscribe({
  name: 'accounts',
  on: ['accounts', 'firewall'],
  apply: (db) => {
    noticeAccessChange(db);
    return syncAccounts(db);
  },
  settleMs: 50,
});
