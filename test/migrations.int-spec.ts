import { DataSource } from 'typeorm';
import { RiskStore, dataSourceOptions, ensureDatabase, openDatabase } from '@risk/persistence';
import { dropDatabase, query } from './support/harness';
import { insertAlerts } from './support/risk-rows';
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

  it('compress the large JSON values with lz4, in every partition and those created later', async () => {
    const ds = await openDatabase(url);
    try {
      await ds.query(
        `CREATE TABLE evaluations_p299901 PARTITION OF evaluations FOR VALUES FROM ('2999-01-01') TO ('2999-02-01')`,
      );
      const rows = await query<{ t: string; c: string; m: string }>(
        url,
        `SELECT c.relname AS t, a.attname AS c, a.attcompression::text AS m
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          WHERE (c.relname LIKE 'evaluations%' AND a.attname = 'explanation'
                 OR c.relname IN ('outbox', 'daily_risk', 'portfolio_snapshots')
                    AND a.attname IN ('payload', 'positions'))
            AND c.relkind IN ('r', 'p')`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      expect(rows.filter((r) => r.m !== 'l')).toEqual([]);
      await ds.query('DROP TABLE evaluations_p299901');
    } finally {
      await ds.destroy();
    }
  });

  it('store evaluations and daily records as json text, rows written as jsonb before kept and found', async () => {
    const old = `${url}_json`;
    try {
      await ensureDatabase(old);
      const all = dataSourceOptions(old).migrations as (new () => unknown)[];
      const upTo = all.findIndex((m) => m.name === 'EvaluationJsonText1796010000032');
      const before = new DataSource({ ...dataSourceOptions(old), migrations: all.slice(0, upTo) });
      await before.initialize();
      await before.runMigrations({ transaction: 'each' });
      const steps = [
        { kind: 'metric', text: 'nav = 1', data: { nav: 1 } },
        { kind: 'reasoning', text: 'AAPL falls', data: { pNegative: 0.5 } },
      ];
      await before.query(
        `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
         VALUES (gen_random_uuid(), 'pf-j', now(), 'news', 'n-1', 0.5, 'MEDIUM', '{"nav":1}', $1, '{}')`,
        [JSON.stringify({ steps, models: {} })],
      );
      await before.destroy();

      const ds = await openDatabase(old);
      try {
        const types = await query<{ c: string; t: string }>(
          old,
          `SELECT attname AS c, format_type(atttypid, atttypmod) AS t FROM pg_attribute
            WHERE attrelid = 'evaluations'::regclass AND attname IN ('metrics', 'explanation', 'timings')
            ORDER BY 1`,
        );
        expect(types.map((r) => r.t)).toEqual(['json', 'json', 'json']);
        const [daily] = await query<{ t: string }>(
          old,
          `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute
            WHERE attrelid = 'daily_risk'::regclass AND attname = 'positions'`,
        );
        expect(daily.t).toBe('json');
        // The converted row (jsonb's spelling, "kind": "reasoning") rebuilds a context.
        const found = await new RiskStore(ds).recentReasoningSteps(['pf-j'], 4);
        expect(found.get('pf-j')).toEqual([steps]);
        // A row written now keeps the engine's text as it is, key order and spacing included.
        const text = JSON.stringify({ steps: [steps[1]], models: { b: '1', a: '2' } });
        await ds.query(
          `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
           VALUES (gen_random_uuid(), 'pf-j', now(), 'news', 'n-2', 0.5, 'MEDIUM', '{"nav":1}', $1, '{}')`,
          [text],
        );
        const [row] = await query<{ e: string }>(
          old,
          "SELECT explanation::text AS e FROM evaluations WHERE trigger_event_id = 'n-2'",
        );
        expect(row.e).toBe(text);
        expect((await new RiskStore(ds).recentReasoningSteps(['pf-j'], 4)).get('pf-j')).toEqual([
          steps,
          [steps[1]],
        ]);
      } finally {
        await ds.destroy();
      }
    } finally {
      await dropDatabase(old);
    }
  });

  it('partition evaluations and alerts by month, keeping every row and the idempotency keys', async () => {
    const old = `${url}_part`;
    try {
      // The schema as it was before the partitioning migration, with rows in it.
      await ensureDatabase(old);
      const all = dataSourceOptions(old).migrations as (new () => unknown)[];
      const upTo = all.findIndex((m) => m.name === 'PartitionEvaluations1796010000030');
      const before = new DataSource({ ...dataSourceOptions(old), migrations: all.slice(0, upTo) });
      await before.initialize();
      await before.runMigrations({ transaction: 'each' });
      await before.destroy();
      const rows = await insertAlerts(old, [
        { portfolioId: 'pf-a', level: 'HIGH' },
        { portfolioId: 'pf-b', level: 'CRITICAL' },
        { portfolioId: 'pf-c', level: 'MEDIUM', withAlert: false },
      ]);
      const dump = async (table: string) =>
        query<{ id: string }>(
          old,
          `SELECT to_jsonb(t) - 'tableoid' AS row FROM ${table} t ORDER BY id`,
        );
      const evaluationsBefore = await dump('evaluations');
      const alertsBefore = await dump('alerts');

      const ds = await openDatabase(old);
      try {
        expect(await dump('evaluations')).toEqual(evaluationsBefore);
        expect(await dump('alerts')).toEqual(alertsBefore);
        const parts = await query<{ parent: string; kind: string; child: string | null }>(
          old,
          `SELECT p.relname AS parent, p.relkind AS kind, c.relname AS child
             FROM pg_class p LEFT JOIN pg_inherits i ON i.inhparent = p.oid
             LEFT JOIN pg_class c ON c.oid = i.inhrelid
            WHERE p.relname IN ('evaluations', 'alerts') ORDER BY 1, 3`,
        );
        for (const table of ['evaluations', 'alerts']) {
          const mine = parts.filter((p) => p.parent === table);
          expect(mine.every((p) => p.kind === 'p')).toBe(true);
          // The old table as the history partition, two months ahead, and the default.
          expect(mine.map((p) => p.child)).toEqual([
            `${table}_default`,
            `${table}_history`,
            expect.stringMatching(new RegExp(`^${table}_p\\d{6}$`)),
            expect.stringMatching(new RegExp(`^${table}_p\\d{6}$`)),
          ]);
        }
        const where = await query<{ part: string }>(
          old,
          'SELECT DISTINCT tableoid::regclass::text AS part FROM evaluations',
        );
        expect(where).toEqual([{ part: 'evaluations_history' }]);

        // The same trigger (same portfolio, topic, event and so event time) still collides.
        const [e] = await query<Record<string, unknown>>(
          old,
          'SELECT * FROM evaluations WHERE id = $1',
          [rows[0].evaluationId],
        );
        const again = await ds.query(
          `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
           SELECT gen_random_uuid(), portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings
             FROM evaluations WHERE id = $1
           ON CONFLICT (portfolio_id, trigger_topic, trigger_event_id, ts) DO NOTHING RETURNING 1`,
          [e.id],
        );
        expect(again).toEqual([]);
        await expect(
          ds.query(
            `INSERT INTO alerts (id, portfolio_id, ts, level, previous_level, evaluation_id, reason)
             SELECT gen_random_uuid(), portfolio_id, ts, level, previous_level, evaluation_id, reason
               FROM alerts WHERE id = $1`,
            [rows[0].alertId],
          ),
        ).rejects.toThrow(/duplicate key value/);

        // New rows land in their month and still reach the stream.
        const [fresh] = await insertAlerts(old, [{ portfolioId: 'pf-new', level: 'HIGH' }]);
        const stream = await query<{ kind: string }>(
          old,
          'SELECT kind FROM stream_events WHERE ref_id = ANY ($1::uuid[]) ORDER BY kind',
          [[fresh.evaluationId, fresh.alertId]],
        );
        expect(stream.map((r) => r.kind)).toEqual(['alert', 'evaluation']);
      } finally {
        await ds.destroy();
      }
    } finally {
      await dropDatabase(old);
    }
  });
});
