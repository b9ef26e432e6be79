import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AppConfig } from '@risk/platform';

const ROOT = join(__dirname, '..', '..');

/** Env for a service process equal to `cfg`. */
export function envOf(cfg: AppConfig): Record<string, string> {
  return {
    KAFKA_BROKERS: cfg.kafkaBrokers.join(','),
    TOPIC_PREFIX: cfg.topicPrefix,
    GROUP_PREFIX: cfg.groupPrefix,
    DATABASE_URL: cfg.databaseUrl,
    INSTANCE_ID: cfg.instanceId,
    LOG_LEVEL: cfg.logLevel,
    COALESCE_MS: String(cfg.coalesceMs),
    OUTBOX_POLL_MS: String(cfg.outboxPollMs),
    PORT: String(cfg.port),
  };
}

/**
 * Runs an app's main.ts as its own process, as production would (transpiled on the fly);
 * `env` adds settings `envOf` does not carry.
 */
export function spawnApp(
  app: 'risk-engine' | 'ingest' | 'api' | 'all',
  cfg: AppConfig,
  env: Record<string, string> = {},
): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register',
      '-r',
      'tsconfig-paths/register',
      join('apps', app, 'src', 'main.ts'),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...envOf(cfg), ...env, TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** A port nothing listens on now (the kernel picks it): for a child process's PORT. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
