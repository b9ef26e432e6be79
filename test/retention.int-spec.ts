import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import {
  RetentionJob,
  RiskStore,
  STREAM_RETENTION_HORIZON,
  WEBHOOK_SCANNER_CURSOR,
  type RetentionPolicy,
  type RetentionTable,
} from '@risk/persistence';
import { PlatformModule, RetentionService, type AppConfig } from '@risk/platform';
import {
  createTopics,
  databaseUrlFor,
  dropDatabase,
  scratchDatabase,
  testConfig,
  uniqueTag,
} from './support/harness';
import { insertAlerts, type InsertedAlert } from './support/risk-rows';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const POLICY: RetentionPolicy = {
  streamEventsMs: 72 * HOUR,
  webhookMs: 30 * DAY,
  processedEventsMs: 14 * DAY,
  outboxMs: 24 * HOUR,
  snapshotsMs: 30 * DAY,
  evaluationsMs: 0,
  // Small, so every table takes several batches.
  batchSize: 2,
};

/** Moves the stream rows of these evaluations and alerts `hours` into the past. */
async function age(ds: DataSource, rows: InsertedAlert[], hours: number): Promise<void> {
  const ids = rows.flatMap((r) => [r.evaluationId, r.alertId]);
  await ds.query(
    `UPDATE stream_events SET created_at = now() - $2 * interval '1 hour' WHERE ref_id = ANY ($1::uuid[])`,
    [ids, hours],
  );
  await ds.query(
    `UPDATE evaluations SET created_at = now() - $2 * interval '1 hour' WHERE id = ANY ($1::uuid[])`,
    [ids, hours],
  );
  await ds.query(
    `UPDATE alerts SET created_at = now() - $2 * interval '1 hour' WHERE id = ANY ($1::uuid[])`,
    [ids, hours],
  );
}

async function addDelivery(
  ds: DataSource,
  d: { status: string; completedDaysAgo: number | null; createdDaysAgo: number; attempts: number },
): Promise<string> {
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  await ds.query(
    `INSERT INTO webhook_deliveries
       (id, subscription_id, alert_id, payload, status, attempts, next_attempt_at, alert_committed_at, created_at, completed_at)
     VALUES ($1, $2, $3, '{}', $4, $5,
             CASE WHEN $4 = 'pending' THEN now() + interval '30 seconds' END,
             now() - $6 * interval '1 day', now() - $6 * interval '1 day',
             now() - $7 * interval '1 day')`,
    [id, randomUUID(), randomUUID(), d.status, d.attempts, d.createdDaysAgo, d.completedDaysAgo],
  );
  for (let a = 1; a <= d.attempts; a++)
    await ds.query(
      `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, outcome)
       VALUES ($1, $2, now() - $3 * interval '1 day', 12, 503, 'retry')`,
      [id, a, d.createdDaysAgo],
    );
  return id;
}

async function addDeliveries(
  ds: DataSource,
  specs: Parameters<typeof addDelivery>[1][],
): Promise<string[]> {
  const out: string[] = [];
  for (const d of specs) out.push(await addDelivery(ds, d));
  return out;
}

async function addProcessed(ds: DataSource, eventId: string, daysAgo: number): Promise<void> {
  await ds.query(
    `INSERT INTO processed_events (topic, event_id, scope, processed_at)
     VALUES ('news.events', $1, 'pf-1', now() - $2 * interval '1 day')`,
    [eventId, daysAgo],
  );
}

/** An outbox row created `createdHoursAgo`, published `publishedHoursAgo` (null: not yet). */
async function addOutbox(
  ds: DataSource,
  o: { createdHoursAgo: number; publishedHoursAgo: number | null },
): Promise<string> {
  const [row] = await ds.query<{ id: string }[]>(
    `INSERT INTO outbox (topic, partition, message_key, payload, created_at, published_at)
     VALUES ('risk.evaluations', 0, 'pf-1', '{}', now() - $1 * interval '1 hour',
             now() - $2 * interval '1 hour')
     RETURNING id::text AS id`,
    [o.createdHoursAgo, o.publishedHoursAgo],
  );
  return row.id;
}

/** A snapshot of `portfolioId` as of `tsDaysAgo`, received `receivedDaysAgo`. */
async function addSnapshot(
  ds: DataSource,
  portfolioId: string,
  s: { tsDaysAgo: number; receivedDaysAgo: number },
): Promise<string> {
  const id = randomUUID();
  await ds.query(
    `INSERT INTO portfolio_snapshots (id, portfolio_id, source_id, ts, base_currency, cash, positions, received_at)
     VALUES ($1, $2, $3, now() - $4 * interval '1 day', 'USD', 1000, '[]', now() - $5 * interval '1 day')`,
    [id, portfolioId, `pos-${id}`, s.tsDaysAgo, s.receivedDaysAgo],
  );
  return id;
}

/** The portfolio row pointing at its latest snapshot, as the engine leaves it. */
async function setLatest(ds: DataSource, portfolioId: string, snapshotId: string): Promise<void> {
  await ds.query(
    `INSERT INTO portfolios (id, base_currency, latest_snapshot_id) VALUES ($1, 'USD', $2)
     ON CONFLICT (id) DO UPDATE SET latest_snapshot_id = EXCLUDED.latest_snapshot_id`,
    [portfolioId, snapshotId],
  );
}

const ids = async (ds: DataSource, sql: string): Promise<string[]> =>
  (await ds.query<{ id: string }[]>(sql)).map((r) => r.id).sort();

describe('retention job', () => {
  const db = scratchDatabase('retention');

  it('deletes exactly the old final rows, one run at a time', async () => {
    // stream_events: 3 old transactions, then a recent one, then an old-looking row after it
    // (the stream is pruned as a prefix, so that one stays).
    const oldStream: InsertedAlert[] = [];
    for (let i = 0; i < 3; i++)
      oldStream.push(
        ...(await insertAlerts(db.url, [{ portfolioId: `pf-old${i}`, level: 'HIGH' }])),
      );
    const recentStream = await insertAlerts(db.url, [{ portfolioId: 'pf-new', level: 'HIGH' }]);
    const lateOld = await insertAlerts(db.url, [{ portfolioId: 'pf-late', level: 'HIGH' }]);
    await age(db.ds, oldStream, 100);
    await age(db.ds, recentStream, 1);
    await age(db.ds, lateOld, 100);

    const goneDeliveries = await addDeliveries(db.ds, [
      { status: 'delivered', completedDaysAgo: 40, createdDaysAgo: 41, attempts: 2 },
      { status: 'failed', completedDaysAgo: 31, createdDaysAgo: 34, attempts: 3 },
      { status: 'cancelled', completedDaysAgo: 60, createdDaysAgo: 60, attempts: 0 },
      { status: 'delivered', completedDaysAgo: 45, createdDaysAgo: 45, attempts: 1 },
    ]);
    const keptDeliveries = await addDeliveries(db.ds, [
      // Waiting for its next attempt, created long ago.
      { status: 'pending', completedDaysAgo: null, createdDaysAgo: 50, attempts: 4 },
      // Pending with a stale completion time (never written so, but never pruned either).
      { status: 'pending', completedDaysAgo: 50, createdDaysAgo: 50, attempts: 1 },
      // Final, but completed inside the window.
      { status: 'delivered', completedDaysAgo: 29, createdDaysAgo: 40, attempts: 1 },
      { status: 'failed', completedDaysAgo: 2, createdDaysAgo: 5, attempts: 10 },
    ]);
    for (let i = 0; i < 5; i++) await addProcessed(db.ds, `n-old-${i}`, 15 + i);
    for (let i = 0; i < 3; i++) await addProcessed(db.ds, `n-new-${i}`, 13 - i);

    const before = await db.ds.query<{ e: string; a: string }[]>(
      `SELECT (SELECT count(*) FROM evaluations)::text AS e, (SELECT count(*) FROM alerts)::text AS a`,
    );
    const expectedAttemptsGone = 2 + 3 + 0 + 1;

    const second = new RetentionJob(db.ds);
    let concurrent: Awaited<ReturnType<RetentionJob['runOnce']>> | undefined;
    const batches: [RetentionTable, number][] = [];
    const job = new RetentionJob(db.ds, {
      onBatch: async (table, n) => {
        batches.push([table, n]);
        // While the first run holds the lock, a second one (any process) does nothing.
        if (concurrent === undefined) concurrent = await second.runOnce(POLICY);
      },
    });
    const result = await job.runOnce(POLICY);
    expect(concurrent).toBeNull();
    expect(result).not.toBeNull();
    expect(result!.deleted).toEqual({
      stream_events: 6,
      webhook_deliveries: 4,
      webhook_attempts: expectedAttemptsGone,
      processed_events: 5,
      outbox: 0,
      portfolio_snapshots: 0,
    });
    expect(result!.notes).toEqual([]);
    expect(result!.failures).toEqual([]);
    // Bounded batches: never more than batchSize rows of a table per statement.
    for (const [table, n] of batches)
      if (table !== 'webhook_attempts') expect(n).toBeLessThanOrEqual(POLICY.batchSize);
    expect(batches.filter(([t]) => t === 'processed_events').map(([, n]) => n)).toEqual([2, 2, 1]);

    // stream_events: the old prefix is gone, the recent row and everything after it stay.
    const stream = await db.ds.query<{ ref_id: string }[]>(
      'SELECT ref_id FROM stream_events ORDER BY tx_id, seq',
    );
    expect(stream.map((r) => r.ref_id)).toEqual(
      [...recentStream, ...lateOld].flatMap((r) => [r.evaluationId, r.alertId]),
    );
    // The horizon is the last deleted position, just before the first kept row.
    const [horizon] = await db.ds.query<{ tx_id: string; seq: string }[]>(
      'SELECT tx_id::text AS tx_id, seq::text AS seq FROM stream_cursors WHERE name = $1',
      [STREAM_RETENTION_HORIZON],
    );
    expect(result!.streamHorizon).toEqual({ txId: horizon.tx_id, seq: horizon.seq });
    const [firstKept] = await db.ds.query<{ tx_id: string; seq: string }[]>(
      'SELECT tx_id::text AS tx_id, seq::text AS seq FROM stream_events ORDER BY tx_id, seq LIMIT 1',
    );
    expect(BigInt(horizon.tx_id)).toBeLessThan(BigInt(firstKept.tx_id));

    expect(await ids(db.ds, 'SELECT id FROM webhook_deliveries')).toEqual(
      [...keptDeliveries].sort(),
    );
    const attempts = await db.ds.query<{ delivery_id: string }[]>(
      'SELECT DISTINCT delivery_id FROM webhook_attempts',
    );
    expect(attempts.map((a) => a.delivery_id).sort()).toEqual(
      [keptDeliveries[0], keptDeliveries[1], keptDeliveries[2], keptDeliveries[3]].sort(),
    );
    expect(
      await db.ds.query(
        'SELECT count(*)::int AS n FROM webhook_attempts WHERE delivery_id = ANY ($1)',
        [goneDeliveries],
      ),
    ).toEqual([{ n: 0 }]);
    expect(
      (await db.ds.query<{ id: string }[]>('SELECT event_id AS id FROM processed_events'))
        .map((r) => r.id)
        .sort(),
    ).toEqual(['n-new-0', 'n-new-1', 'n-new-2']);

    // Evaluations and alerts, the system of record, are all still there.
    const after = await db.ds.query<{ e: string; a: string }[]>(
      `SELECT (SELECT count(*) FROM evaluations)::text AS e, (SELECT count(*) FROM alerts)::text AS a`,
    );
    expect(after).toEqual(before);
    expect(Number(after[0].e)).toBe(5);

    // Once the lock is free, a second run finds nothing left to do.
    const again = await second.runOnce(POLICY);
    expect(again?.deleted).toEqual({
      stream_events: 0,
      webhook_deliveries: 0,
      webhook_attempts: 0,
      processed_events: 0,
      outbox: 0,
      portfolio_snapshots: 0,
    });
    expect(again?.streamHorizon).toEqual(result!.streamHorizon);
  });

  it('keeps a table forever at 0, and stream rows the webhook scanner has not read', async () => {
    const unread = await insertAlerts(db.url, [{ portfolioId: 'pf-unread', level: 'HIGH' }]);
    const read = await insertAlerts(db.url, [{ portfolioId: 'pf-read', level: 'HIGH' }]);
    const stillUnread = await insertAlerts(db.url, [{ portfolioId: 'pf-unread2', level: 'HIGH' }]);
    await age(db.ds, [...unread, ...read, ...stillUnread], 200);
    // Make every stream row old (the first test's recent one too), then an active subscription
    // whose scanner has read up to `read`'s last row.
    await db.ds.query(`UPDATE stream_events SET created_at = now() - interval '200 hours'`);
    const [cursor] = await db.ds.query<{ tx_id: string; seq: string }[]>(
      `SELECT tx_id::text AS tx_id, seq::text AS seq FROM stream_events WHERE ref_id = $1`,
      [read[0].alertId],
    );
    await db.ds.query(
      `INSERT INTO webhook_subscriptions (id, url, min_level, secret) VALUES ($1, 'https://example.com/hook', 'HIGH', 'whsec_x')`,
      [randomUUID()],
    );
    await db.ds.query(
      `INSERT INTO stream_cursors (name, tx_id, seq) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET tx_id = EXCLUDED.tx_id, seq = EXCLUDED.seq`,
      [WEBHOOK_SCANNER_CURSOR, cursor.tx_id, cursor.seq],
    );
    await addProcessed(db.ds, 'n-ancient', 400);
    const deliveriesBefore = await ids(db.ds, 'SELECT id FROM webhook_deliveries');

    const result = await new RetentionJob(db.ds).runOnce({
      ...POLICY,
      webhookMs: 0,
      processedEventsMs: 0,
    });
    expect(result?.deleted.webhook_deliveries).toBe(0);
    expect(result?.deleted.processed_events).toBe(0);
    expect(await ids(db.ds, 'SELECT id FROM webhook_deliveries')).toEqual(deliveriesBefore);
    expect(
      await db.ds.query(
        `SELECT count(*)::int AS n FROM processed_events WHERE event_id = 'n-ancient'`,
      ),
    ).toEqual([{ n: 1 }]);
    // Held back at the scanner's cursor: what it read goes, what it has not read stays.
    expect(result?.notes.join()).toMatch(/webhook scanner/);
    expect(result?.streamHorizon).toEqual({ txId: cursor.tx_id, seq: cursor.seq });
    const left = await db.ds.query<{ ref_id: string }[]>(
      'SELECT ref_id FROM stream_events ORDER BY tx_id, seq',
    );
    expect(left.map((r) => r.ref_id)).toEqual([
      stillUnread[0].evaluationId,
      stillUnread[0].alertId,
    ]);

    // Without an active subscription nothing holds the stream back.
    await db.ds.query('UPDATE webhook_subscriptions SET deleted_at = now()');
    const free = await new RetentionJob(db.ds).runOnce({
      ...POLICY,
      webhookMs: 0,
      processedEventsMs: 0,
    });
    expect(free?.deleted.stream_events).toBe(2);
    expect(await db.ds.query('SELECT count(*)::int AS n FROM stream_events')).toEqual([{ n: 0 }]);
  });

  it('deletes old published outbox rows and old snapshots, never unpublished rows or a latest snapshot', async () => {
    const goneOutbox = [
      await addOutbox(db.ds, { createdHoursAgo: 31, publishedHoursAgo: 30 }),
      await addOutbox(db.ds, { createdHoursAgo: 200, publishedHoursAgo: 199 }),
      await addOutbox(db.ds, { createdHoursAgo: 25, publishedHoursAgo: 24.5 }),
    ];
    const keptOutbox = [
      // Never published, however old: the relay still has to send it.
      await addOutbox(db.ds, { createdHoursAgo: 2400, publishedHoursAgo: null }),
      await addOutbox(db.ds, { createdHoursAgo: 30, publishedHoursAgo: null }),
      // Published within the window (counted from publication, not creation).
      await addOutbox(db.ds, { createdHoursAgo: 48, publishedHoursAgo: 1 }),
      await addOutbox(db.ds, { createdHoursAgo: 23, publishedHoursAgo: 23 }),
    ];

    // pf-snap-a: three old snapshots; the last one stays, being the latest.
    const a = [
      await addSnapshot(db.ds, 'pf-snap-a', { tsDaysAgo: 40, receivedDaysAgo: 40 }),
      await addSnapshot(db.ds, 'pf-snap-a', { tsDaysAgo: 35, receivedDaysAgo: 35 }),
      await addSnapshot(db.ds, 'pf-snap-a', { tsDaysAgo: 31, receivedDaysAgo: 31 }),
    ];
    await setLatest(db.ds, 'pf-snap-a', a[2]);
    // pf-snap-b: an old one goes; a recent one that is not the latest and the latest stay.
    const b = [
      await addSnapshot(db.ds, 'pf-snap-b', { tsDaysAgo: 40, receivedDaysAgo: 40 }),
      await addSnapshot(db.ds, 'pf-snap-b', { tsDaysAgo: 10, receivedDaysAgo: 10 }),
      await addSnapshot(db.ds, 'pf-snap-b', { tsDaysAgo: 5, receivedDaysAgo: 5 }),
    ];
    await setLatest(db.ds, 'pf-snap-b', b[2]);
    // pf-snap-c, out of order: the one applied last (the engine's latest) is not the newest by
    // ts; both stay, the oldest goes.
    const c = [
      await addSnapshot(db.ds, 'pf-snap-c', { tsDaysAgo: 70, receivedDaysAgo: 60 }),
      await addSnapshot(db.ds, 'pf-snap-c', { tsDaysAgo: 44, receivedDaysAgo: 50 }),
      await addSnapshot(db.ds, 'pf-snap-c', { tsDaysAgo: 48, receivedDaysAgo: 45 }),
    ];
    await setLatest(db.ds, 'pf-snap-c', c[2]);
    // pf-snap-d: its only snapshot, very old, stays.
    const d = await addSnapshot(db.ds, 'pf-snap-d', { tsDaysAgo: 400, receivedDaysAgo: 400 });
    await setLatest(db.ds, 'pf-snap-d', d);
    const allSnapshots = [...a, ...b, ...c, d];
    const keptSnapshots = [a[2], b[1], b[2], c[1], c[2], d];
    const states = async () =>
      (
        await new RiskStore(db.ds).loadPortfolioStates([
          'pf-snap-a',
          'pf-snap-b',
          'pf-snap-c',
          'pf-snap-d',
        ])
      )
        .map((p) => [p.id, p.snapshot?.id])
        .sort();
    const statesBefore = await states();

    // 0 keeps both tables forever.
    const off = await new RetentionJob(db.ds).runOnce({ ...POLICY, outboxMs: 0, snapshotsMs: 0 });
    expect(off?.deleted.outbox).toBe(0);
    expect(off?.deleted.portfolio_snapshots).toBe(0);
    expect(await ids(db.ds, 'SELECT id::text AS id FROM outbox')).toEqual(
      [...goneOutbox, ...keptOutbox].sort(),
    );
    expect(await ids(db.ds, 'SELECT id::text AS id FROM portfolio_snapshots')).toEqual(
      [...allSnapshots].sort(),
    );

    const batches: [RetentionTable, number][] = [];
    const result = await new RetentionJob(db.ds, {
      onBatch: (table, n) => {
        batches.push([table, n]);
      },
    }).runOnce(POLICY);
    expect(result?.failures).toEqual([]);
    expect(result?.deleted.outbox).toBe(3);
    expect(result?.deleted.portfolio_snapshots).toBe(4);
    expect(batches.filter(([t]) => t === 'outbox').map(([, n]) => n)).toEqual([2, 1]);
    expect(batches.filter(([t]) => t === 'portfolio_snapshots').map(([, n]) => n)).toEqual([2, 2]);
    expect(await ids(db.ds, 'SELECT id::text AS id FROM outbox')).toEqual([...keptOutbox].sort());
    expect(await ids(db.ds, 'SELECT id::text AS id FROM portfolio_snapshots')).toEqual(
      [...keptSnapshots].sort(),
    );
    // The engine still restores every portfolio's latest snapshot.
    expect(await states()).toEqual(statesBefore);
    expect(statesBefore).toEqual(
      [
        ['pf-snap-a', a[2]],
        ['pf-snap-b', b[2]],
        ['pf-snap-c', c[2]],
        ['pf-snap-d', d],
      ].sort(),
    );

    // The next run finds nothing more to delete.
    const again = await new RetentionJob(db.ds).runOnce(POLICY);
    expect(again?.deleted.outbox).toBe(0);
    expect(again?.deleted.portfolio_snapshots).toBe(0);
  });
});

/** Evaluations (with an alert each) as of `ts`, straight into the partitioned tables. */
async function addEvaluationsAt(ds: DataSource, tss: Date[]): Promise<string[]> {
  const out: string[] = [];
  for (const ts of tss) {
    const id = randomUUID();
    await ds.query(
      `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
       VALUES ($1, 'pf-1', $2, 'market.ticks', $3, 0.5, 'HIGH', '{}', '{"steps":[],"models":{}}', '{}')`,
      [id, ts, id],
    );
    await ds.query(
      `INSERT INTO alerts (id, portfolio_id, ts, level, previous_level, evaluation_id, reason)
       VALUES ($1, 'pf-1', $2, 'HIGH', 'LOW', $3, 'level rose')`,
      [randomUUID(), ts, id],
    );
    out.push(id);
  }
  return out;
}

describe('retention job on the partitioned history', () => {
  const db = scratchDatabase('retentionpart');

  const partitionOf = async (table: string, ids: string[]) =>
    (
      await db.ds.query<{ part: string }[]>(
        `SELECT tableoid::regclass::text AS part FROM ${table}
          WHERE ${table === 'alerts' ? 'evaluation_id' : 'id'} = ANY ($1::uuid[]) ORDER BY ts`,
        [ids],
      )
    ).map((r) => r.part);
  const month = (base: Date, n: number, day = 10) =>
    new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth() + n, day));
  const name = (table: string, d: Date) =>
    `${table}_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

  it('creates months ahead (moving in what the default caught) and drops whole old months', async () => {
    const now = new Date();
    // Five months ahead no partition exists yet: the default partition takes the row.
    const [ahead] = await addEvaluationsAt(db.ds, [month(now, 5)]);
    expect(await partitionOf('evaluations', [ahead])).toEqual(['evaluations_default']);
    const recent = await addEvaluationsAt(db.ds, [month(now, 0), month(now, 1)]);
    const old = await addEvaluationsAt(db.ds, [month(now, -14)]);

    // Four months on: the job creates months 4, 5 and 6 and moves the row into month 5.
    const later = month(now, 4, 15);
    const job = new RetentionJob(db.ds);
    const first = await job.runOnce({ ...POLICY, evaluationsMs: 0 }, later);
    for (const table of ['evaluations', 'alerts'])
      for (const n of [4, 5, 6])
        expect(first?.partitions.created).toContain(name(table, month(now, n)));
    expect(first?.partitions.dropped).toEqual([]);
    expect(await partitionOf('evaluations', [ahead])).toEqual([name('evaluations', month(now, 5))]);
    expect(await partitionOf('alerts', [ahead])).toEqual([name('alerts', month(now, 5))]);
    // A created partition has the parent's keys and its stream trigger.
    const [inNew] = await addEvaluationsAt(db.ds, [month(now, 6)]);
    expect(await db.ds.query('SELECT kind FROM stream_events WHERE ref_id = $1', [inNew])).toEqual([
      { kind: 'evaluation' },
    ]);
    await expect(
      db.ds.query(
        `INSERT INTO evaluations (id, portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings)
         SELECT gen_random_uuid(), portfolio_id, ts, trigger_topic, trigger_event_id, score, level, metrics, explanation, timings
           FROM evaluations WHERE id = $1`,
        [inNew],
      ),
    ).rejects.toThrow(/duplicate key value/);
    // Run again: nothing more to create.
    const again = await job.runOnce({ ...POLICY, evaluationsMs: 0 }, later);
    expect(again?.partitions).toEqual({ created: [], dropped: [] });

    // Keep 60 days as of month 4: the history partition (up to month 1) and month 1 go whole,
    // with their alerts; months 2 and later stay, every row of them.
    const dropped = await job.runOnce({ ...POLICY, evaluationsMs: 60 * DAY }, later);
    expect(dropped?.failures).toEqual([]);
    expect(dropped?.partitions.dropped.sort()).toEqual(
      [
        'alerts_history',
        name('alerts', month(now, 1)),
        'evaluations_history',
        name('evaluations', month(now, 1)),
      ].sort(),
    );
    expect(await partitionOf('evaluations', [...old, ...recent])).toEqual([]);
    expect(await partitionOf('alerts', [...old, ...recent])).toEqual([]);
    expect(await partitionOf('evaluations', [ahead, inNew])).toEqual([
      name('evaluations', month(now, 5)),
      name('evaluations', month(now, 6)),
    ]);
    expect(await partitionOf('alerts', [ahead, inNew])).toHaveLength(2);
  });
});

describe('retention service', () => {
  const tag = uniqueTag('retentionsvc');
  let mod: TestingModule | undefined;

  afterAll(async () => {
    await mod?.close();
    await dropDatabase(databaseUrlFor(tag));
  });

  /** The retention service alone with `cfg` (the one module of this block), and its database. */
  const startRetention = async (
    cfg: AppConfig,
  ): Promise<{ ds: DataSource; retention: RetentionService }> => {
    await mod?.close();
    mod = await Test.createTestingModule({
      imports: [PlatformModule.forRoot(cfg)],
      providers: [RetentionService],
    }).compile();
    await mod.init();
    return { ds: mod.get(DataSource), retention: mod.get(RetentionService) };
  };

  it('keeps the ledger when the input topics may still redeliver older messages', async () => {
    // The local broker keeps 24 h with 7-day segments: up to 8 days, more than the 1 day asked.
    await createTopics(`${tag}.`, 1);
    const first = await startRetention(testConfig(tag, { RETENTION_PROCESSED_EVENTS_DAYS: '1' }));
    await addProcessed(first.ds, 'n-3-days', 3);
    const result = await first.retention.runOnce();
    expect(result?.notes[0]).toMatch(
      /processed_events kept: RETENTION_PROCESSED_EVENTS_DAYS \(1 day\) is shorter than 8 days/,
    );
    expect(result?.deleted.processed_events).toBe(0);
    expect(await first.ds.query('SELECT count(*)::int AS n FROM processed_events')).toEqual([
      { n: 1 },
    ]);

    // With the default 14 days the topics' 8 days are covered: the ledger is pruned.
    const second = await startRetention(testConfig(tag));
    await addProcessed(second.ds, 'n-20-days', 20);
    const pruned = await second.retention.runOnce();
    expect(pruned?.notes).toEqual([]);
    expect(pruned?.deleted.processed_events).toBe(1);
    expect(
      (await second.ds.query<{ id: string }[]>('SELECT event_id AS id FROM processed_events')).map(
        (r) => r.id,
      ),
    ).toEqual(['n-3-days']);
  });
});
