/** What a signed-in peer sees of its own: account, peer and the cell's name. */
export { peerServices, portalOverview, portalServices, resetServicePassword, type PortalService } from './portal';
export { profileModel, signedProfile } from './profile';
