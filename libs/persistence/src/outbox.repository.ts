import type { DataSource, QueryRunner } from 'typeorm';

export interface PendingOutboxMessage {
  id: string;
  topic: string;
  partition: number;
  key: string;
  payload: string;
}

/**
 * The relay's hold on the outbox: a PostgreSQL session holding the relay's advisory lock. Rows
 * are numbered for sending through that session only, so a relay whose session died (and whose
 * lock another relay may now hold) can number nothing more.
 */
export interface RelayLease {
  /** True while the lock's session answers; false once it is gone (the lock with it). */
  alive(): Promise<boolean>;
  /**
   * Numbers up to `limit` committed, unnumbered pending rows in `relay_seq` (after every row
   * numbered before), in id order; returns how many.
   */
  number(limit: number): Promise<number>;
  release(): Promise<void>;
}

/** Injection token of the relay's OutboxStore (default: OutboxRepository on the DataSource). */
export const OUTBOX_STORE = Symbol('OUTBOX_STORE');

/** What the relay needs of the outbox: the port a test can wrap to inject failures. */
export interface OutboxStore {
  acquireRelayLock(): Promise<RelayLease | null>;
  /** Numbered, unpublished rows in send order. */
  pending(limit: number): Promise<PendingOutboxMessage[]>;
  countPending(): Promise<number>;
  pendingPartitions(): Promise<{ topic: string; partition: number }[]>;
  markPublished(ids: string[]): Promise<void>;
  markPublishedThrough(topic: string, partition: number, lastId: string): Promise<number>;
}

const RELAY_LOCK_SQL = "hashtext('risk-outbox-relay')";

/** Reads and marks the transactional outbox. */
export class OutboxRepository implements OutboxStore {
  constructor(private readonly ds: DataSource) {}

  async pending(limit: number): Promise<PendingOutboxMessage[]> {
    return this.ds.query(
      `SELECT id::text AS id, topic, partition, message_key AS key, payload
         FROM outbox WHERE published_at IS NULL AND relay_seq IS NOT NULL
        ORDER BY relay_seq LIMIT $1`,
      [limit],
    );
  }

  async countPending(): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(
      'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Partitions with rows numbered for sending but not marked published: maybe in Kafka. */
  async pendingPartitions(): Promise<{ topic: string; partition: number }[]> {
    return this.ds.query(
      `SELECT DISTINCT topic, partition FROM outbox
        WHERE published_at IS NULL AND relay_seq IS NOT NULL`,
    );
  }

  async markPublished(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ds.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
      ids,
    ]);
  }

  /**
   * After a crash: the row `lastId` is the partition's last message in Kafka, so every row of
   * that partition the relay numbered up to it was sent (the relay sends in relay_seq order).
   * Rows numbered later, and rows never numbered, were not. An id Kafka holds but the outbox no
   * longer does (pruned long after publication) marks nothing.
   */
  async markPublishedThrough(topic: string, partition: number, lastId: string): Promise<number> {
    const res: [unknown[], number] = await this.ds.query(
      `UPDATE outbox SET published_at = now()
        WHERE published_at IS NULL AND topic = $1 AND partition = $2
          AND relay_seq <= (SELECT relay_seq FROM outbox WHERE id = $3::bigint)`,
      [topic, partition, lastId],
    );
    return res[1];
  }

  /**
   * The one relay allowed to publish holds this session lock on a dedicated connection, so
   * per-partition order follows relay_seq. Returns the lease, or null when another relay holds it.
   */
  async acquireRelayLock(): Promise<RelayLease | null> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    let rows: { ok: boolean }[];
    try {
      rows = (await runner.query(`SELECT pg_try_advisory_lock(${RELAY_LOCK_SQL}) AS ok`)) as {
        ok: boolean;
      }[];
    } catch (e) {
      await runner.release();
      throw e;
    }
    if (rows[0]?.ok !== true) {
      await runner.release();
      return null;
    }
    return new SessionLease(runner);
  }
}

class SessionLease implements RelayLease {
  private lost = false;

  constructor(private readonly runner: QueryRunner) {}

  async alive(): Promise<boolean> {
    if (this.lost) return false;
    try {
      const rows = (await this.runner.query(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                   AND pid = pg_backend_pid()) AS held`,
      )) as { held: boolean }[];
      this.lost = rows[0]?.held !== true;
    } catch {
      this.lost = true;
    }
    return !this.lost;
  }

  async number(limit: number): Promise<number> {
    // On the lock's own session: a relay that lost its lock fails here, before sending.
    const res = (await this.runner.query(
      `WITH base AS (SELECT coalesce(max(relay_seq), 0) AS seq FROM outbox),
            batch AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM outbox
                       WHERE published_at IS NULL AND relay_seq IS NULL ORDER BY id LIMIT $1)
       UPDATE outbox o SET relay_seq = base.seq + batch.n
         FROM batch, base WHERE o.id = batch.id`,
      [limit],
    )) as [unknown[], number];
    return res[1];
  }

  async release(): Promise<void> {
    if (!this.lost) {
      await this.runner
        .query(`SELECT pg_advisory_unlock(${RELAY_LOCK_SQL})`)
        .catch(() => undefined);
    }
    await this.runner.release().catch(() => undefined);
  }
}
