import fs from 'node:fs';
import { getDb } from './db';
import { resealLegacySecrets } from './db/reseal';
import { addressKey, installClientAddressGuard } from './http/client-address';
import { startLoops } from './loops';
import { recoverRestore } from './managers/backup';
import { loadLogLevels } from './managers/logs';
import { trustedProxies } from './managers/containers';
import { ensureDomains, isSetupComplete, onSetupComplete, setupCode, setupCodeFile } from './managers/setup';
import { applyCaddy } from './managers/routes';
import { ensurePeerNames } from './managers/peers';
import { recoverAfterStop } from './recover';
import { logger } from './runtime/logger';
import { dataDir, dataPaths } from './runtime/paths';
import { keys } from './runtime/secrets';

const log = logger.child('boot');

/** Creates the data directory and secrets, migrates the database, starts the background loops. */
export async function boot(): Promise<void> {
  const started = Date.now();
  fs.mkdirSync(dataDir(), { recursive: true, mode: 0o700 });
  for (const dir of [dataPaths.logs(), dataPaths.backups()]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  keys();
  const db = getDb();
  loadLogLevels(db);
  const resealed = resealLegacySecrets(db.$client);
  if (resealed) log.info('secrets bound to their table and column', { resealed });
  if ((await recoverRestore(db)) === 'undone')
    log.warn('a restore was cut short by the last stop; the cell is as it was before it');
  const recovered = recoverAfterStop(db);
  if (recovered.interrupted || recovered.tempFiles)
    log.warn('the last stop cut changes short; closed them and cleaned up', recovered);
  installClientAddressGuard(cachedTrustedProxies(db));
  // A cell set up before WireGuard, the container stack or the network services existed gets them now.
  if (isSetupComplete(db)) {
    ensureDomains(db);
    const named = ensurePeerNames(db);
    if (named) log.info('peers took their names in the registry', { peers: named });
  } else {
    // On the host the wizard needs nothing more; from another machine it asks for this code.
    log.info('setup code for the wizard opened from another machine', {
      setupCode: setupCode(db),
      file: setupCodeFile(db),
    });
  }
  // The certificate authority is made in the background as soon as setup completes; Caddy then signs with it.
  onSetupComplete(
    (cell) =>
      void applyCaddy(cell).catch((err) =>
        log.error('could not create the certificate authority or apply Caddy', { err }),
      ),
  );
  startLoops(db);
  log.info('cell started', {
    dataDir: dataDir(),
    setupComplete: isSetupComplete(db),
    port: Number(process.env.PORT) || 3000,
    bootMs: Date.now() - started,
  });
}

/** The proxies X-Forwarded-For is believed from, re-read at most every 10 s (the stack can change). */
function cachedTrustedProxies(db: ReturnType<typeof getDb>) {
  let at = 0;
  let set: ReadonlySet<string> = new Set();
  return () => {
    if (Date.now() - at > 10_000) {
      at = Date.now();
      try {
        set = new Set(trustedProxies(db).map(addressKey));
      } catch (err) {
        log.warn('could not read the trusted proxies', { err });
      }
    }
    return set;
  };
}
