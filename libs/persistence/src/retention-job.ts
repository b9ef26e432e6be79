import type { DataSource, QueryRunner } from 'typeorm';
import {
  FINAL_DELIVERY_STATUSES,
  RETENTION_TABLES,
  comparePositions,
  retentionCutoff,
  type RetentionPolicy,
  type RetentionTable,
  type StreamHorizon,
} from './retention';
import {
  PARTITIONED_TABLES,
  monthsToCreate,
  parsePartitionBound,
  partitionName,
  partitionsToDrop,
  addMonths,
  type PartitionRange,
} from './partitions';

/**
 * `stream_cursors` row holding the retention horizon: every stream_events row at or before
 * this position may have been deleted. The stream compares a client's Last-Event-ID with it.
 */
export const STREAM_RETENTION_HORIZON = 'retention-horizon';

/** `stream_cursors` row of the webhook scanner (libs/alerting's WebhookRepository). */
export const WEBHOOK_SCANNER_CURSOR = 'webhooks';

/** One session lock for every retention job of the database, whichever process runs it. */
const LOCK_KEY = "hashtext('risk-retention')";

const FINAL_SQL = FINAL_DELIVERY_STATUSES.map((s) => `'${s}'`).join(', ');

export interface RetentionRunResult {
  deleted: Record<RetentionTable, number>;
  /** The stream's retention horizon after the run (null: never pruned). */
  streamHorizon: StreamHorizon | null;
  /** Why rows the policy would let go were kept. */
  notes: string[];
  /** Tables whose pruning failed this run (a lock timeout, say); retried at the next run. */
  failures: string[];
  /** The run was asked to stop (shutdown) between two batches. */
  stopped: boolean;
  /** Month partitions of evaluations and alerts created ahead, and dropped by retention. */
  partitions: { created: string[]; dropped: string[] };
}

export interface RetentionJobOptions {
  /** After every DELETE batch that removed rows (metrics; tests). */
  onBatch?: (table: RetentionTable, deleted: number) => void | Promise<void>;
  /** Checked between batches: true ends the run early (shutdown). */
  shouldStop?: () => boolean;
  /** Pause between two batches, to leave the database room for the live load. */
  pauseMs?: number;
  /** Per batch: give up on a row lock after this long (the table is retried next run). */
  lockTimeoutMs?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Deletes what the retention policy lets go, in bounded batches (one short transaction each, so
 * no lock is held for long), under a PostgreSQL session advisory lock so that one run at a time
 * acts across every process of the deployment.
 */
export class RetentionJob {
  constructor(
    private readonly ds: DataSource,
    private readonly opts: RetentionJobOptions = {},
  ) {}

  /** One run; null when another run (in any process) holds the lock. */
  async runOnce(
    policy: RetentionPolicy,
    now: Date = new Date(),
  ): Promise<RetentionRunResult | null> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      const rows = (await runner.query(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`)) as {
        ok: boolean;
      }[];
      if (rows[0]?.ok !== true) return null;
      try {
        return await this.prune(runner, policy, now);
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  private async prune(
    runner: QueryRunner,
    policy: RetentionPolicy,
    now: Date,
  ): Promise<RetentionRunResult> {
    const result: RetentionRunResult = {
      deleted: Object.fromEntries(RETENTION_TABLES.map((t) => [t, 0])) as Record<
        RetentionTable,
        number
      >,
      streamHorizon: null,
      notes: [],
      failures: [],
      stopped: false,
      partitions: { created: [], dropped: [] },
    };
    // Every run, whatever the policy: months ahead exist before rows for them arrive.
    for (const table of PARTITIONED_TABLES) {
      try {
        await this.maintainPartitions(
          runner,
          table,
          now,
          retentionCutoff(now, policy.evaluationsMs),
          result,
        );
      } catch (e) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        result.failures.push(`${table} partitions: ${(e as Error).message}`);
      }
    }
    const batch = Math.max(1, Math.floor(policy.batchSize));
    const steps: [string, Date | null, (cutoff: Date) => Promise<void>][] = [
      [
        'stream_events',
        retentionCutoff(now, policy.streamEventsMs),
        (c) => this.pruneStream(runner, c, batch, result),
      ],
      [
        'webhook deliveries',
        retentionCutoff(now, policy.webhookMs),
        (c) =>
          this.deleteInBatches(runner, batch, result, WEBHOOK_BATCH_SQL, [c, batch], (out) => {
            const [{ deliveries, attempts }] = out as { deliveries: number; attempts: number }[];
            return [
              ['webhook_deliveries', deliveries],
              ['webhook_attempts', attempts],
            ];
          }),
      ],
      [
        'processed_events',
        retentionCutoff(now, policy.processedEventsMs),
        (c) =>
          this.deleteInBatches(
            runner,
            batch,
            result,
            PROCESSED_BATCH_SQL,
            [c, batch],
            affected('processed_events'),
          ),
      ],
      [
        'outbox',
        retentionCutoff(now, policy.outboxMs),
        (c) =>
          this.deleteInBatches(
            runner,
            batch,
            result,
            OUTBOX_BATCH_SQL,
            [c, batch],
            affected('outbox'),
          ),
      ],
      [
        'portfolio_snapshots',
        retentionCutoff(now, policy.snapshotsMs),
        (c) =>
          this.deleteInBatches(
            runner,
            batch,
            result,
            SNAPSHOT_BATCH_SQL,
            [c, batch],
            affected('portfolio_snapshots'),
          ),
      ],
    ];
    for (const [name, cutoff, step] of steps) {
      if (cutoff === null || result.stopped) continue;
      try {
        await step(cutoff);
      } catch (e) {
        // One table's trouble (a lock timeout, say) does not keep the others from shrinking.
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        result.failures.push(`${name}: ${(e as Error).message}`);
      }
    }
    if (policy.streamEventsMs === 0) result.streamHorizon = await this.horizon(runner);
    return result;
  }

  /** Runs one DELETE batch in its own short transaction, with a bound on lock waits. */
  private async batchTx<T>(runner: QueryRunner, fn: () => Promise<T>): Promise<T> {
    await runner.startTransaction();
    try {
      await runner.query(
        `SET LOCAL lock_timeout = '${Math.max(1, Math.floor(this.opts.lockTimeoutMs ?? 5000))}ms'`,
      );
      const out = await fn();
      await runner.commitTransaction();
      return out;
    } catch (e) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Runs `sql` (with `params`) batch after batch, each in its own short transaction, until one
   * comes back short or the run is asked to stop. `counted` reads the rows each batch deleted,
   * per table, from the query's result; the first table's count decides whether another follows.
   */
  private async deleteInBatches(
    runner: QueryRunner,
    batch: number,
    result: RetentionRunResult,
    sql: string,
    params: unknown[],
    counted: (out: unknown) => [RetentionTable, number][],
  ): Promise<void> {
    for (;;) {
      if (this.opts.shouldStop?.()) {
        result.stopped = true;
        return;
      }
      const counts = counted(await this.batchTx(runner, () => runner.query(sql, params)));
      for (const [table, n] of counts) await this.count(result, table, n);
      if (counts[0][1] < batch) return;
      if (this.opts.pauseMs) await pause(this.opts.pauseMs);
    }
  }

  /**
   * Creates the month partitions from now through PARTITION_MONTHS_AHEAD (moving in any rows the
   * default partition caught for that month), then drops those wholly older than the cut-off.
   */
  private async maintainPartitions(
    runner: QueryRunner,
    table: string,
    now: Date,
    cutoff: Date | null,
    result: RetentionRunResult,
  ): Promise<void> {
    const existing = await this.batchTx(runner, () => this.partitionsOf(runner, table));
    if (existing === null) return; // not partitioned (a database older than the migration)
    for (const month of monthsToCreate(existing, now.getTime())) {
      const name = partitionName(table, month);
      const from = new Date(month).toISOString();
      const to = new Date(addMonths(month, 1)).toISOString();
      await this.batchTx(runner, async () => {
        await runner.query(`CREATE TABLE "${name}" (LIKE "${table}" INCLUDING DEFAULTS)`);
        const fallback = existing.find((p) => p.isDefault);
        if (fallback)
          await runner.query(
            `WITH moved AS (DELETE FROM "${fallback.name}" WHERE ts >= $1 AND ts < $2 RETURNING *)
             INSERT INTO "${name}" SELECT * FROM moved`,
            [from, to],
          );
        await runner.query(
          `ALTER TABLE "${table}" ATTACH PARTITION "${name}" FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      });
      result.partitions.created.push(name);
    }
    if (cutoff === null) return;
    for (const name of partitionsToDrop(existing, cutoff.getTime())) {
      if (this.opts.shouldStop?.()) {
        result.stopped = true;
        return;
      }
      await this.batchTx(runner, () => runner.query(`DROP TABLE "${name}"`));
      result.partitions.dropped.push(name);
    }
  }

  /** The table's partitions with their bounds; null when it is not partitioned. */
  private async partitionsOf(runner: QueryRunner, table: string): Promise<PartitionRange[] | null> {
    // Bounds print in the session's time zone: UTC, which parsePartitionBound reads.
    await runner.query(`SET LOCAL TimeZone = 'UTC'`);
    const kind = (await runner.query(`SELECT relkind FROM pg_class WHERE oid = to_regclass($1)`, [
      table,
    ])) as { relkind: string }[];
    if (kind[0]?.relkind !== 'p') return null;
    const rows = (await runner.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass($1)`,
      [table],
    )) as { name: string; bound: string }[];
    return rows.map((r) => parsePartitionBound(r.name, r.bound));
  }

  private async count(result: RetentionRunResult, table: RetentionTable, n: number): Promise<void> {
    if (n <= 0) return;
    result.deleted[table] += n;
    await this.opts.onBatch?.(table, n);
  }

  private async horizon(runner: QueryRunner): Promise<StreamHorizon | null> {
    const rows = (await runner.query(
      `SELECT tx_id::text AS tx_id, seq::text AS seq FROM stream_cursors WHERE name = $1`,
      [STREAM_RETENTION_HORIZON],
    )) as { tx_id: string; seq: string }[];
    return rows[0] ? { txId: rows[0].tx_id, seq: rows[0].seq } : null;
  }

  /**
   * stream_events is pruned as a prefix in stream order, so that "what is left" is exactly
   * "everything after the horizon" and a reader can tell whether it missed something.
   * The new horizon is the last final row (its transaction older than every running one) that
   * comes before the first row written within the window, all read in one snapshot: every row
   * up to it is committed, older than the cut-off, and no row can join that prefix later.
   * While a webhook subscription is active, rows the webhook scanner has not read yet are kept.
   */
  private async pruneStream(
    runner: QueryRunner,
    cutoff: Date,
    batch: number,
    result: RetentionRunResult,
  ): Promise<void> {
    const found = (await runner.query(
      `WITH first_kept AS (
         SELECT tx_id, seq FROM stream_events WHERE created_at >= $1 ORDER BY tx_id, seq LIMIT 1)
       SELECT e.tx_id::text AS tx_id, e.seq::text AS seq FROM stream_events e
        WHERE e.tx_id < (SELECT stream_safe_xid())
          AND (NOT EXISTS (SELECT 1 FROM first_kept)
               OR (e.tx_id, e.seq) < (SELECT tx_id, seq FROM first_kept))
        ORDER BY e.tx_id DESC, e.seq DESC LIMIT 1`,
      [cutoff],
    )) as { tx_id: string; seq: string }[];
    let target: StreamHorizon | null = found[0]
      ? { txId: found[0].tx_id, seq: found[0].seq }
      : null;
    if (target) {
      const scanner = (await runner.query(
        `SELECT c.tx_id::text AS tx_id, c.seq::text AS seq,
                EXISTS (SELECT 1 FROM webhook_subscriptions s
                         WHERE s.deleted_at IS NULL AND s.disabled_at IS NULL) AS active
           FROM (SELECT 1) one LEFT JOIN stream_cursors c ON c.name = $1`,
        [WEBHOOK_SCANNER_CURSOR],
      )) as { tx_id: string | null; seq: string | null; active: boolean }[];
      const s = scanner[0];
      if (s?.active) {
        const cursor = s.tx_id !== null && s.seq !== null ? { txId: s.tx_id, seq: s.seq } : null;
        if (!cursor || comparePositions(cursor, target) < 0) {
          result.notes.push(
            `stream_events: kept from ${cursor ? `${cursor.txId}-${cursor.seq}` : 'the start'}, where the webhook scanner is`,
          );
          target = cursor;
        }
      }
    }
    if (target) {
      // Committed before any row goes: a reader that sees a row missing also sees the horizon.
      await runner.query(
        `INSERT INTO stream_cursors (name, tx_id, seq) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET tx_id = EXCLUDED.tx_id, seq = EXCLUDED.seq, updated_at = now()
          WHERE (stream_cursors.tx_id, stream_cursors.seq) < (EXCLUDED.tx_id, EXCLUDED.seq)`,
        [STREAM_RETENTION_HORIZON, target.txId, target.seq],
      );
    }
    const horizon = await this.horizon(runner);
    result.streamHorizon = horizon;
    if (!horizon) return;
    // Also finishes a run that was stopped half-way.
    await this.deleteInBatches(
      runner,
      batch,
      result,
      `DELETE FROM stream_events WHERE seq = ANY (ARRAY(
         SELECT seq FROM stream_events WHERE (tx_id, seq) <= ($1::bigint, $2::bigint)
          ORDER BY tx_id, seq LIMIT $3))`,
      [horizon.txId, horizon.seq, batch],
      affected('stream_events'),
    );
  }
}

/** Rows a plain DELETE removed (the pg driver answers `[rows, affected]`). */
function affected(table: RetentionTable): (out: unknown) => [RetentionTable, number][] {
  return (out) => [[table, (out as [unknown[], number])[1]]];
}

/** Final deliveries completed before the cut-off ($1), with their attempts, in one statement. */
const WEBHOOK_BATCH_SQL = `WITH doomed AS (
   SELECT id FROM webhook_deliveries
    WHERE completed_at < $1 AND status IN (${FINAL_SQL})
    ORDER BY completed_at, id LIMIT $2
      FOR UPDATE SKIP LOCKED),
 gone_attempts AS (
   DELETE FROM webhook_attempts WHERE delivery_id = ANY (ARRAY(SELECT id FROM doomed))
   RETURNING 1),
 gone AS (
   DELETE FROM webhook_deliveries WHERE id = ANY (ARRAY(SELECT id FROM doomed))
   RETURNING 1)
 SELECT (SELECT count(*) FROM gone)::int AS deliveries,
        (SELECT count(*) FROM gone_attempts)::int AS attempts`;

/**
 * Ledger rows claimed before the cut-off ($1; see docs/architecture.md § Retention). By ctid:
 * ledger rows are never updated, and the composite key would make the planner hash-join the
 * whole table. (`= ANY (ARRAY(...))` everywhere keeps each batch to index or tid lookups.)
 */
const PROCESSED_BATCH_SQL = `DELETE FROM processed_events WHERE ctid = ANY (ARRAY(
   SELECT ctid FROM processed_events
    WHERE processed_at < $1 ORDER BY processed_at LIMIT $2))`;

/**
 * Outbox rows published before the cut-off ($1). An unpublished row (published_at NULL) never
 * matches, whatever its age: the relay still has to send it. Nothing reads a published row
 * again (the relay's crash recovery reads Kafka and marks only unpublished rows).
 */
const OUTBOX_BATCH_SQL = `DELETE FROM outbox WHERE id = ANY (ARRAY(
   SELECT id FROM outbox
    WHERE published_at < $1 ORDER BY published_at LIMIT $2))`;

/**
 * Snapshots received before the cut-off ($1), except each portfolio's latest: the one its
 * `portfolios.latest_snapshot_id` points to (what the engine restores at boot; always one of
 * that portfolio's own snapshots, and replaced in the transaction that inserts a newer one, so
 * the statement never deletes the only one left), and its newest by `ts` (several at a tie).
 * Nothing else refers to a snapshot row: evaluations carry their own metrics and name the
 * positions message by its source id. Both checks are index lookups per row
 * (the portfolios key, ix_snapshots_portfolio_ts), so a batch never joins whole tables.
 */
const SNAPSHOT_BATCH_SQL = `DELETE FROM portfolio_snapshots WHERE id = ANY (ARRAY(
   SELECT s.id FROM portfolio_snapshots s
    WHERE s.received_at < $1
      AND s.ts < (SELECT max(n.ts) FROM portfolio_snapshots n WHERE n.portfolio_id = s.portfolio_id)
      AND NOT EXISTS (SELECT 1 FROM portfolios p
                       WHERE p.id = s.portfolio_id AND p.latest_snapshot_id = s.id)
    ORDER BY s.received_at LIMIT $2))`;
