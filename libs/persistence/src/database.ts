import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/risk';

export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10 },
  };
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`unsupported database name ${JSON.stringify(name)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (e) {
        // Two processes may race to create it; the loser sees duplicate_database, or a unique
        // violation of pg_database when both passed the check above at once.
        const code = (e as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw e;
      }
    }
  } finally {
    await client.end();
  }
}

/** Held while migrations run: instances booting together migrate one after another. */
export const MIGRATION_LOCK_SQL = "hashtext('risk-migrations')";

/**
 * Runs `work` holding the migrations' session advisory lock, taken on a connection of its own
 * (a pooled one could return to the pool still holding it). Waits while another holds it; the
 * lock goes with the connection, so a crashed holder frees it.
 */
export async function withMigrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_SQL})`);
    try {
      return await work();
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_SQL})`);
    }
  } finally {
    await lock.end();
  }
}

/**
 * Ensures the database exists and its schema is migrated (under the migration lock: the next
 * instance finds nothing left to do); returns an initialised DataSource.
 */
export async function openDatabase(url: string): Promise<DataSource> {
  await ensureDatabase(url);
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    await withMigrationLock(url, () => ds.runMigrations({ transaction: 'each' }));
  } catch (e) {
    await ds.destroy();
    throw e;
  }
  return ds;
}
