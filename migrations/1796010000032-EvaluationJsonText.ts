import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An evaluation's `metrics`, `explanation` and `timings` are stored as `json`, the engine's text
 * as it wrote it, instead of `jsonb`. Converting a desk-sized evaluation (~20 KB of JSON) to
 * jsonb took PostgreSQL ~0.29 ms, a quarter of its CPU per evaluation in bench:scale; json only
 * checks the text (~0.06 ms) and keeps it verbatim, so the API now returns an explanation's keys
 * in the order of the Kafka message. Reads are unchanged (node-postgres parses both; `->` and
 * `->>` work on json). The rows stored before are converted (their keys in jsonb's order). The
 * explanation keeps lz4 where the server has it (migration 1796010000031). The daily record's
 * `positions` (~6 KB a portfolio, rewritten by every evaluation of the day) likewise.
 */
export class EvaluationJsonText1796010000032 implements MigrationInterface {
  name = 'EvaluationJsonText1796010000032';

  public async up(q: QueryRunner): Promise<void> {
    await alterTypes(q, 'json');
  }

  public async down(q: QueryRunner): Promise<void> {
    await alterTypes(q, 'jsonb');
  }
}

async function alterTypes(q: QueryRunner, type: 'json' | 'jsonb'): Promise<void> {
  // On the partitioned table: every partition follows, and those created later.
  await q.query(
    `ALTER TABLE "evaluations"
       ALTER COLUMN "metrics" TYPE ${type} USING "metrics"::${type},
       ALTER COLUMN "explanation" TYPE ${type} USING "explanation"::${type},
       ALTER COLUMN "timings" TYPE ${type} USING "timings"::${type}`,
  );
  await q.query(
    `ALTER TABLE "daily_risk" ALTER COLUMN "positions" TYPE ${type} USING "positions"::${type}`,
  );
  // A type change may reset the column's compression: lz4 again where it was.
  const lz4 = (await q.query(
    `SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)`,
  )) as unknown[];
  if (lz4.length === 0) return;
  const parts = (await q.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'evaluations'::regclass`,
  )) as { name: string }[];
  for (const t of ['evaluations', ...parts.map((p) => p.name)])
    await q.query(`ALTER TABLE ONLY "${t}" ALTER COLUMN "explanation" SET COMPRESSION lz4`);
  await q.query(`ALTER TABLE "daily_risk" ALTER COLUMN "positions" SET COMPRESSION lz4`);
}
