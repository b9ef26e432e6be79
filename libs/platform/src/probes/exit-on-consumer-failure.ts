import { Logger, type INestApplicationContext } from '@nestjs/common';
import { CONSUMER_HEALTH, type ConsumerHealth } from './consumer-health';

/** Longest a failing process spends shutting down before it exits anyway. */
const FORCE_EXIT_MS = 15_000;

/**
 * A deployable process's policy for a Kafka consumer that crashed and will not restart: close
 * the app (in order, as on SIGTERM) and exit non-zero, so its supervisor starts a fresh one.
 * Entry points call it; in-process tests do not, so a test's crash stays a failed readiness.
 */
export function exitOnConsumerFailure(app: INestApplicationContext): void {
  const log = new Logger('Process');
  let exiting = false;
  app.get<ConsumerHealth>(CONSUMER_HEALTH).onFatal((group, error) => {
    log.error(
      `consumer ${group} crashed and will not restart (${error.message}): exiting for a restart`,
    );
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
    void app
      .close()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(force);
        process.exit(1);
      });
  });
}
