/**
 * age, loaded as the ES module it is. A static import from code run as CommonJS (the command
 * line through tsx) gets it rewritten with a getter per binding, and scrypt, which calls those
 * bindings in its innermost loop, then takes ten times as long.
 */
export const age = () => import('age-encryption');
