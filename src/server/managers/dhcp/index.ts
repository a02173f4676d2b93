/**
 * DHCP for the cell's LAN, off by default. Turning it on adds cell-dhcp to the stack;
 * each reservation also gets a `.cell` name.
 */
export { applyDhcp, dnsmasqFiles } from './apply';
export { createReservation, removeReservation } from './reservations';
export { getDhcp, updateDhcp } from './settings';
export { ensureDhcp, listReservations } from './state';
