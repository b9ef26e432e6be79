import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evaluations and alerts become tables partitioned by month of `ts` (the trigger's event time),
 * so that retention drops whole partitions instead of deleting rows and a history query reads
 * only the months it asks for (docs/architecture.md § Partitioned history).
 *
 * The conversion copies nothing: the existing table is renamed `<table>_history` and attached as
 * the partition of every time before the first month it does not reach (MINVALUE .. the month
 * after both its newest row and now); `<table>_pYYYYMM` partitions follow for the next two months
 * and `<table>_default` catches anything past them until the retention job (which creates
 * partitions ahead every run) catches up. A unique constraint of a partitioned table must hold
 * the partition key, so the primary key becomes (id, ts) and the trigger key
 * (portfolio_id, trigger_topic, trigger_event_id, ts): an evaluation's ts is its trigger's event
 * time, the same for every delivery of that trigger, so a duplicate still collides (and the
 * processed_events claim, in the same transaction, comes first anyway).
 */
export class PartitionEvaluations1796010000030 implements MigrationInterface {
  name = 'PartitionEvaluations1796010000030';

  public async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      const kind = (await q.query(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [
        t.name,
      ])) as { relkind: string }[];
      if (kind[0]?.relkind === 'p') continue; // already partitioned
      const [{ bound }] = (await q.query(
        `SELECT to_char(date_trunc('month', greatest(now(), coalesce(max(ts), now())) AT TIME ZONE 'UTC')
                          + interval '1 month', 'YYYY-MM-DD') AS bound FROM "${t.name}"`,
      )) as { bound: string }[];
      const history = `${t.name}_history`;
      await q.query(`ALTER TABLE "${t.name}" RENAME TO "${history}"`);
      await q.query(`DROP TRIGGER "${t.name}_stream_event" ON "${history}"`);
      await q.query(`ALTER TABLE "${history}" DROP CONSTRAINT "${t.pk}"`);
      for (const u of t.unique) await q.query(`DROP INDEX "${u.name}"`);
      // Kept and attached under the parent's index of the same definition: no rebuild.
      for (const i of t.plain) await q.query(`ALTER INDEX "${i.name}" RENAME TO "${i.name}_h"`);
      await q.query(
        `CREATE TABLE "${t.name}" (LIKE "${history}" INCLUDING DEFAULTS) PARTITION BY RANGE (ts)`,
      );
      await q.query(
        `ALTER TABLE "${t.name}" ATTACH PARTITION "${history}" FOR VALUES FROM (MINVALUE) TO ('${bound} 00:00:00+00')`,
      );
      for (let m = 0; m < 2; m++) {
        const [{ name, lo, hi }] = (await q.query(
          `SELECT to_char(b, 'YYYYMM') AS name, to_char(b, 'YYYY-MM-DD') AS lo,
                  to_char(b + interval '1 month', 'YYYY-MM-DD') AS hi
             FROM (SELECT $1::date + make_interval(months => $2) AS b) x`,
          [bound, m],
        )) as { name: string; lo: string; hi: string }[];
        await q.query(
          `CREATE TABLE "${t.name}_p${name}" PARTITION OF "${t.name}" FOR VALUES FROM ('${lo} 00:00:00+00') TO ('${hi} 00:00:00+00')`,
        );
      }
      await q.query(`CREATE TABLE "${t.name}_default" PARTITION OF "${t.name}" DEFAULT`);
      await q.query(`ALTER TABLE "${t.name}" ADD CONSTRAINT "${t.pk}" PRIMARY KEY ("id", "ts")`);
      for (const u of t.unique)
        await q.query(`CREATE UNIQUE INDEX "${u.name}" ON "${t.name}" (${u.columns}, "ts")`);
      for (const i of t.plain)
        await q.query(`CREATE INDEX "${i.name}" ON "${t.name}" (${i.columns})`);
      await q.query(
        `CREATE TRIGGER "${t.name}_stream_event" AFTER INSERT ON "${t.name}" FOR EACH ROW EXECUTE FUNCTION "stream_event_capture"('${t.streamKind}')`,
      );
    }
  }

  /** Back to plain tables: every row is copied into one (slow on a big table, but lossless). */
  public async down(q: QueryRunner): Promise<void> {
    for (const t of TABLES) {
      const plain = `${t.name}_plain`;
      await q.query(`CREATE TABLE "${plain}" (LIKE "${t.name}" INCLUDING DEFAULTS)`);
      await q.query(`INSERT INTO "${plain}" SELECT * FROM "${t.name}"`);
      await q.query(`DROP TABLE "${t.name}"`);
      await q.query(`ALTER TABLE "${plain}" RENAME TO "${t.name}"`);
      await q.query(`ALTER TABLE "${t.name}" ADD CONSTRAINT "${t.pk}" PRIMARY KEY ("id")`);
      for (const u of t.unique)
        await q.query(`CREATE UNIQUE INDEX "${u.name}" ON "${t.name}" (${u.columns})`);
      for (const i of t.plain)
        await q.query(`CREATE INDEX "${i.name}" ON "${t.name}" (${i.columns})`);
      await q.query(
        `CREATE TRIGGER "${t.name}_stream_event" AFTER INSERT ON "${t.name}" FOR EACH ROW EXECUTE FUNCTION "stream_event_capture"('${t.streamKind}')`,
      );
    }
  }
}

interface IndexDef {
  name: string;
  columns: string;
}

const TABLES: {
  name: string;
  pk: string;
  unique: IndexDef[];
  plain: IndexDef[];
  streamKind: string;
}[] = [
  {
    name: 'evaluations',
    pk: 'PK_f683b433eba0e6dae7e19b29e29',
    unique: [
      {
        name: 'ux_evaluations_trigger',
        columns: '"portfolio_id", "trigger_topic", "trigger_event_id"',
      },
    ],
    plain: [{ name: 'ix_evaluations_portfolio_ts', columns: '"portfolio_id", "ts", "id"' }],
    streamKind: 'evaluation',
  },
  {
    name: 'alerts',
    pk: 'PK_60f895662df096bfcdfab7f4b96',
    unique: [{ name: 'ux_alerts_evaluation', columns: '"evaluation_id"' }],
    plain: [
      { name: 'ix_alerts_portfolio_ts', columns: '"portfolio_id", "ts", "id"' },
      { name: 'ix_alerts_ts', columns: '"ts", "id"' },
    ],
    streamKind: 'alert',
  },
];
