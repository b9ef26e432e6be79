import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `stream_safe_xid()`: every stream row of a transaction below it is committed (or rolled back)
 * and visible to the calling statement. It was `pg_snapshot_xmin(pg_current_snapshot())`, the
 * oldest transaction of the whole server, so a long transaction in any other database held back
 * the SSE stream and webhook delivery. Now the snapshot's running transactions are taken less
 * those known to belong to another database (sessions and prepared transactions); one whose
 * database cannot be seen (no pg_read_all_stats) still counts, which is only slower, never
 * unsafe. Transaction ids of pg_stat_activity are 32-bit: they are compared modulo 2^32.
 */
export class StreamSafeXid1796010000015 implements MigrationInterface {
  name = 'StreamSafeXid1796010000015';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION stream_safe_xid() RETURNS bigint LANGUAGE sql STABLE AS $$
        WITH snap AS (SELECT pg_current_snapshot() AS s),
        elsewhere AS (
          SELECT backend_xid::text AS xid FROM pg_stat_activity
           WHERE backend_xid IS NOT NULL AND datname IS NOT NULL AND datname <> current_database()
          UNION ALL
          SELECT transaction::text FROM pg_prepared_xacts WHERE database <> current_database())
        SELECT LEAST(
          pg_snapshot_xmax(snap.s)::text::bigint,
          (SELECT min(x::text::bigint) FROM pg_snapshot_xip(snap.s) AS x
            WHERE (x::text::bigint % 4294967296)::text NOT IN (SELECT xid FROM elsewhere)))
          FROM snap
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS stream_safe_xid()`);
  }
}
