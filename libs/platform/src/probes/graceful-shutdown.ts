import type { INestApplicationContext } from '@nestjs/common';

/**
 * SIGTERM and SIGINT close the app once, in order (consumers stop and in-flight work drains in
 * `beforeApplicationShutdown`; sessions, producers and the database close in
 * `onApplicationShutdown`), then the process exits 0. Every entry point calls it, and nothing
 * else closes the app on a signal: two closes would release each session twice.
 */
export function enableGracefulShutdown(app: INestApplicationContext): void {
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
}
