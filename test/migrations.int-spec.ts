import { DataSource } from 'typeorm';
import { dataSourceOptions, openDatabase } from '@risk/persistence';
import { dropDatabase, query } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/** The migrations are the schema: after running them, the entities ask for no change. */
describe('migrations', () => {
  // Nothing opens the database before the tests: they create and migrate it themselves.
  const url = useTestEnvironment('migrations', { kafka: false }).config().databaseUrl;

  it('create the database, migrate it, and leave nothing for migration:generate', async () => {
    const ds = await openDatabase(url);
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
    }
  });

  it('run again idempotently and revert with down', async () => {
    const again = await openDatabase(url);
    await again.destroy();
    const ds = new DataSource(dataSourceOptions(url));
    await ds.initialize();
    try {
      for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
      const tables = await query<{ table_name: string }>(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations'",
      );
      expect(tables).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('migrate a fresh database from two instances booting together, both succeeding', async () => {
    const fresh = `${url}_pair`;
    try {
      const both = await Promise.allSettled([openDatabase(fresh), openDatabase(fresh)]);
      for (const r of both) if (r.status === 'fulfilled') await r.value.destroy();
      expect(both.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
        'ok',
        'ok',
      ]);
      const applied = await query<{ n: string }>(
        fresh,
        'SELECT count(*) AS n FROM typeorm_migrations',
      );
      expect(Number(applied[0].n)).toBe((dataSourceOptions(fresh).migrations as unknown[]).length);
    } finally {
      await dropDatabase(fresh);
    }
  });
});
