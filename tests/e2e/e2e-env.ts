/** Where the containers suite starts its engine; cell D is pointed at its socket from the start. */
export const E2E_ENGINE_DIR = '/tmp/pic-e2e-engine';
