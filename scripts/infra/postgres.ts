import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Client } from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/risk';

type Log = (line: string) => void;

export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
}

/** Only a server on this machine may be started by us; a socket path counts as local. */
export function isLocalDatabase(databaseUrl: string): boolean {
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  return ['', '127.0.0.1', 'localhost', '::1'].includes(host) || host.startsWith('%2F');
}

/** Server-side refusal codes that mean "not accepting connections yet". */
const STARTING_UP = new Set(['57P03']);

/**
 * True when the server answers. A server error such as "database does not exist" (3D000) still
 * means PostgreSQL is up: creating the database is the application's job, not ours.
 */
export async function postgresAnswers(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // SQLSTATE codes are five characters; socket errors are ECONNREFUSED and friends.
    return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !STARTING_UP.has(code);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The newest cluster version under /etc/postgresql (Debian layout), e.g. "15". */
function localClusterVersion(): string | undefined {
  if (!fs.existsSync('/etc/postgresql')) return undefined;
  return fs
    .readdirSync('/etc/postgresql')
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number(b) - Number(a))[0];
}

function startLocalCluster(log: Log): void {
  const version = localClusterVersion();
  if (version === undefined) {
    throw new Error('PostgreSQL does not answer and no cluster is configured in /etc/postgresql');
  }
  log(`starting PostgreSQL ${version}/main with pg_ctlcluster...`);
  const result = spawnSync(
    'pg_ctlcluster',
    ['--skip-systemctl-redirect', version, 'main', 'start'],
    { encoding: 'utf8' },
  );
  if (result.error) throw new Error(`cannot run pg_ctlcluster: ${result.error.message}`);
  // Exit 2 means "already running": a race with another starter, which is fine.
  if (result.status !== 0 && result.status !== 2) {
    throw new Error(`pg_ctlcluster failed: ${`${result.stdout}${result.stderr}`.trim()}`);
  }
}

export async function ensurePostgres(databaseUrl: string, log: Log): Promise<void> {
  const url = new URL(databaseUrl);
  const where = `${decodeURIComponent(url.hostname)}:${url.port || '5432'}`;
  if (await postgresAnswers(databaseUrl)) {
    log(`PostgreSQL answers on ${where}`);
    return;
  }
  if (!isLocalDatabase(databaseUrl)) {
    throw new Error(`PostgreSQL at ${where} does not answer (not local, so not started here)`);
  }
  startLocalCluster(log);
  const deadline = Date.now() + 60000;
  while (!(await postgresAnswers(databaseUrl))) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL at ${where} did not answer in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  log(`PostgreSQL answers on ${where}`);
}
