/** The firewall: the one owner of packet rules. Other domains declare what they need here. */
export {
  applyFirewall,
  effectiveRules,
  firewallReset,
  ruleFiles,
  type EffectiveRule,
  type FirewallApply,
} from './apply';
export {
  confirmChange,
  createGroup,
  createRule,
  groupRoutingPolicy,
  groupsOfPeer,
  listGroups,
  listRules,
  moveRule,
  pendingState as firewallStatus,
  peerToPeerOf,
  removeGroup,
  removeRule,
  rollbackIfDue,
  setPeerGroups,
  testReach,
  updateGroup,
  updateRule,
} from './policy';
export { declarePeers, type DeclaredPeer } from './state';
