/** The firewall: the one owner of packet rules. Other domains declare what they need here. */
export { applyFirewall, firewallReset, flushFirewallFiles, ruleFiles, type FirewallApply } from './apply';
export { effectiveRules, type EffectiveRule } from './effective';
export { confirmChange, pendingState as firewallStatus, rollbackIfDue } from './confirm';
export {
  createGroup,
  groupRoutingPolicy,
  groupsOfPeer,
  listGroups,
  peerToPeerOf,
  removeGroup,
  setPeerGroups,
  updateGroup,
} from './groups';
export { createRule, listRules, moveRule, removeRule, updateRule } from './rules';
export { testReach } from './tester';
export { serviceAccess, type ServiceAccess } from './access';
export { declarePeers, declareServices, knownServices, type DeclaredPeer } from './state';
export type { ServiceEndpoint } from './inputs';
