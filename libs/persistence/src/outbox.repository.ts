import type { DataSource } from 'typeorm';

export interface PendingOutboxMessage {
  id: string;
  topic: string;
  partition: number;
  key: string;
  payload: string;
}

/** Reads and marks the transactional outbox. */
export class OutboxRepository {
  constructor(private readonly ds: DataSource) {}

  async pending(limit: number): Promise<PendingOutboxMessage[]> {
    return this.ds.query(
      `SELECT id::text AS id, topic, partition, message_key AS key, payload
         FROM outbox WHERE published_at IS NULL ORDER BY outbox.id LIMIT $1`,
      [limit],
    );
  }

  async countPending(): Promise<number> {
    const rows: { n: string }[] = await this.ds.query(
      'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async pendingPartitions(): Promise<{ topic: string; partition: number }[]> {
    return this.ds.query('SELECT DISTINCT topic, partition FROM outbox WHERE published_at IS NULL');
  }

  async markPublished(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ds.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
      ids,
    ]);
  }

  /** After a crash: everything of that partition up to the last id Kafka holds was published. */
  async markPublishedUpTo(topic: string, partition: number, maxId: string): Promise<number> {
    const res: [unknown[], number] = await this.ds.query(
      `UPDATE outbox SET published_at = now()
        WHERE published_at IS NULL AND topic = $1 AND partition = $2 AND id <= $3::bigint`,
      [topic, partition, maxId],
    );
    return res[1];
  }

  /**
   * The one relay allowed to publish holds this session lock on a dedicated connection, so
   * per-partition order follows outbox ids. Returns a release function, or null when taken.
   */
  async acquireRelayLock(): Promise<(() => Promise<void>) | null> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    const rows = (await runner.query(
      "SELECT pg_try_advisory_lock(hashtext('risk-outbox-relay')) AS ok",
    )) as { ok: boolean }[];
    if (rows[0]?.ok !== true) {
      await runner.release();
      return null;
    }
    return async () => {
      await runner
        .query("SELECT pg_advisory_unlock(hashtext('risk-outbox-relay'))")
        .catch(() => undefined);
      await runner.release();
    };
  }
}
