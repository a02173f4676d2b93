/** Cell facts: what every renderer needs to know about the cell, read once. */
export {
  cellExists,
  cellFacts,
  cellIdentity,
  cellNetwork,
  DEFAULT_CELL_SUBNET,
  dnsAddress,
  outboundRefusal,
  providerToken,
  SETUP_HOST,
  type CellFacts,
} from './facts';
