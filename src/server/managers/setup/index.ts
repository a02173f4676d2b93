/** The first-run wizard: the cell's identity and first admin, once. */
export { completeSetup, ensureDomains, isSetupComplete, onSetupComplete, setupStatus } from './setup';
export { checkSetupCode, dropSetupCode, setupCode, setupCodeFile, setupCodeRequired } from './code';
