/** What the Dashboard shows. */
export { dashboardSummary } from './summary';
