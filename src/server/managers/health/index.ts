/** Liveness: the database, the engine, and whether setup is done. */
export { health } from './health';
