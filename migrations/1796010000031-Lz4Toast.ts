import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The large JSON values (an evaluation's explanation, its outbox payload, the daily record's and
 * the snapshot's positions) are compressed with lz4 instead of pglz when PostgreSQL stores them
 * out of line (docs/architecture.md § Partitioned history). A desk-sized explanation is ~16 KB:
 * pglz took ~300 µs of PostgreSQL CPU to compress each such value, lz4 ~40 µs, and the
 * evaluations' commit was most of PostgreSQL's work in bench:scale. Values stored before keep
 * their compression (PostgreSQL reads both). A partitioned table passes the setting to the
 * partitions created later; those existing now are set one by one. Where the server was built
 * without lz4 (PostgreSQL < 14, or no lz4 library) nothing changes.
 */
export class Lz4Toast1796010000031 implements MigrationInterface {
  name = 'Lz4Toast1796010000031';

  public async up(q: QueryRunner): Promise<void> {
    if (!(await lz4Available(q))) return;
    await setCompression(q, 'lz4');
  }

  public async down(q: QueryRunner): Promise<void> {
    if (!(await lz4Available(q))) return;
    await setCompression(q, 'DEFAULT');
  }
}

const COLUMNS: readonly { table: string; column: string }[] = [
  { table: 'evaluations', column: 'explanation' },
  { table: 'outbox', column: 'payload' },
  { table: 'daily_risk', column: 'positions' },
  { table: 'portfolio_snapshots', column: 'positions' },
];

async function lz4Available(q: QueryRunner): Promise<boolean> {
  const rows = (await q.query(
    `SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)`,
  )) as unknown[];
  return rows.length > 0;
}

async function setCompression(q: QueryRunner, method: 'lz4' | 'DEFAULT'): Promise<void> {
  for (const { table, column } of COLUMNS) {
    const parts = (await q.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass`,
      [table],
    )) as { name: string }[];
    for (const t of [table, ...parts.map((p) => p.name)])
      await q.query(`ALTER TABLE ONLY "${t}" ALTER COLUMN "${column}" SET COMPRESSION ${method}`);
  }
}
