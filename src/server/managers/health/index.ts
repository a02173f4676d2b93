/** Liveness (the database, the engine, setup), and the monitor's states and their history. */
export { health } from './health';
export { runChecks, type Check, type HealthState } from './checks';
export { healthHistory, monitorTick, type Segment } from './monitor';
