import { Test } from '@nestjs/testing';
import type { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { OUTBOX_STORE, OutboxRepository, type OutboxStore } from '@risk/persistence';
import { METRICS, PlatformModule, type AppConfig, type ServiceMetrics } from '@risk/platform';

import { OUTBOX_ID_HEADER, OutboxRelayService } from '../apps/risk-engine/src/outbox-relay.service';
import { OutboxRelay } from '../apps/risk-engine/src/outbox-relay.thread';
import { FailingMarks } from './support/failing-outbox';
import { TopicReader, outboxEmpty, produce, query, waitFor } from './support/harness';
import { useTestEnvironment } from './support/running-service';

/**
 * A relay that died after Kafka acknowledged a batch but before it marked the rows published:
 * the next relay must not publish those rows again.
 */
describe('outbox relay recovery', () => {
  const env = useTestEnvironment('outbox', { partitions: 2, read: ['evaluations'] });
  const cfg = env.config();

  it('publishes each outbox row exactly once across a crash between send and mark', async () => {
    const { topics } = env;
    const reader = env.readers.evaluations!;
    // Open (and migrate) the database without starting a relay.
    const boot = env.own(
      await Test.createTestingModule({ imports: [PlatformModule.forRoot(cfg)] }).compile(),
    );
    const ds = boot.get(DataSource);
    const rows = Array.from({ length: 10 }, (_, i) => ({
      partition: i % 2,
      key: `pf-${i % 2}`,
      payload: JSON.stringify({ n: i }),
    }));
    for (const r of rows) {
      await ds.query(
        'INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, $2, $3, $4)',
        [topics.evaluations, r.partition, r.key, r.payload],
      );
    }
    const ids = await ds.query<
      { id: string; partition: number; message_key: string; payload: string }[]
    >('SELECT id::text AS id, partition, message_key, payload FROM outbox ORDER BY outbox.id');
    // The "crashed" relay: numbered the first 6 rows for sending, sent them (3 per partition,
    // in that order) and died before marking them; it had numbered 2 more it never sent.
    await ds.query('UPDATE outbox SET relay_seq = id WHERE id <= $1::bigint', [ids[7].id]);
    await produce(
      env.kafka,
      topics.evaluations,
      ids.slice(0, 6).map((r) => ({
        key: r.message_key,
        value: r.payload,
        partition: r.partition,
        headers: { [OUTBOX_ID_HEADER]: r.id },
      })),
    );
    await env.close(boot);

    const mod = env.own(
      await Test.createTestingModule({
        imports: [PlatformModule.forRoot(cfg)],
        providers: [OutboxRelayService],
      }).compile(),
    );
    await mod.init();
    await waitFor(
      async () =>
        (
          await query<{ n: string }>(
            cfg.databaseUrl,
            'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
          )
        )[0].n === '0' || undefined,
    );
    await reader.waitForCount(10);
    await new Promise((r) => setTimeout(r, 1000));
    const payloads = reader
      .values<{ n: number }>()
      .map((v) => v.n)
      .sort((a, b) => a - b);
    expect(payloads).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Per partition, Kafka order follows outbox ids.
    for (const p of [0, 1]) {
      const seq = reader.messages
        .filter((m) => m.partition === p)
        .map((m) => Number(m.headers?.[OUTBOX_ID_HEADER]?.toString()));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  });
});

/** Rows inserted as the engine writes them, each in its own committed transaction. */
async function insertRows(
  url: string,
  topic: string,
  rows: { partition: number; n: number }[],
): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    for (const r of rows) {
      await c.query(
        'INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, $2, $3, $4)',
        [topic, r.partition, `pf-${r.partition}`, JSON.stringify({ n: r.n })],
      );
    }
  } finally {
    await c.end();
  }
}

function relayModule(cfg: AppConfig, store?: (ds: DataSource) => OutboxStore) {
  return Test.createTestingModule({
    imports: [PlatformModule.forRoot(cfg)],
    providers: [
      OutboxRelayService,
      ...(store ? [{ provide: OUTBOX_STORE, useFactory: store, inject: [DataSource] }] : []),
    ],
  }).compile();
}

/** Waits until no outbox row is pending, then a little longer for stray duplicates. */
async function drained(url: string): Promise<void> {
  await outboxEmpty(url);
  await new Promise((r) => setTimeout(r, 1500));
}

function sortedNs(reader: TopicReader): number[] {
  return reader
    .values<{ n: number }>()
    .map((v) => v.n)
    .sort((a, b) => a - b);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Two relays running: 10 rows published, then PostgreSQL ends the lock holder's session (a
 * restart, an idle timeout, an operator) and `rounds` × 20 more rows come; every row is read
 * from Kafka exactly once.
 */
async function publishAcrossALostLock(
  cfg: AppConfig,
  topic: string,
  reader: TopicReader,
  rounds: number,
  kick: () => void = () => undefined,
): Promise<void> {
  await insertRows(
    cfg.databaseUrl,
    topic,
    range(10).map((n) => ({ partition: n % 2, n })),
  );
  kick();
  await reader.waitForCount(10);
  const holder = await query<{ pid: number }>(
    cfg.databaseUrl,
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  expect(holder).toHaveLength(1);
  await query(cfg.databaseUrl, 'SELECT pg_terminate_backend($1)', [holder[0].pid]);
  for (let k = 0; k < rounds; k++) {
    await insertRows(
      cfg.databaseUrl,
      topic,
      range(20).map((i) => ({ partition: i % 2, n: 10 + k * 20 + i })),
    );
    await new Promise((r) => setTimeout(r, 150));
  }
  await drained(cfg.databaseUrl);
  expect(sortedNs(reader)).toEqual(range(10 + rounds * 20));
}

describe('outbox relay: a failed markPublished', () => {
  const env = useTestEnvironment('outboxmark', { partitions: 2, read: ['evaluations'] });
  const cfg = env.config();

  it('publishes nothing twice when marking a sent batch fails', async () => {
    let store: FailingMarks | undefined;
    const relay = env.own(
      await relayModule(cfg, (ds) => (store = new FailingMarks(new OutboxRepository(ds), 1))),
    );
    await relay.init();
    await insertRows(
      cfg.databaseUrl,
      env.topics.evaluations,
      range(20).map((n) => ({ partition: n % 2, n })),
    );
    await drained(cfg.databaseUrl);
    expect(store!.marksFailed).toBe(1);
    expect(sortedNs(env.readers.evaluations!)).toEqual(range(20));
  });
});

describe('outbox relay: two engine instances and a hand-over', () => {
  const env = useTestEnvironment('outboxhand', { partitions: 1, read: ['evaluations'] });
  const cfg = env.config();

  it('loses nothing when a lower outbox id commits after a higher one was published', async () => {
    const reader = env.readers.evaluations!;
    const first = env.own(await relayModule(cfg));
    await first.init();
    await insertRows(cfg.databaseUrl, env.topics.evaluations, [{ partition: 0, n: 0 }]);
    await reader.waitForCount(1);

    // Instance A takes outbox id k and holds its transaction open; instance B commits k + 1.
    const a = new Client({ connectionString: cfg.databaseUrl });
    await a.connect();
    try {
      await a.query('BEGIN');
      await a.query(
        'INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, 0, $2, $3)',
        [env.topics.evaluations, 'pf-a', JSON.stringify({ n: 1 })],
      );
      await insertRows(cfg.databaseUrl, env.topics.evaluations, [{ partition: 0, n: 2 }]);
      await reader.waitForCount(2);
      // The relay hands over (this instance stops) before A commits.
      await env.close(first);
      await a.query('COMMIT');
    } finally {
      await a.end();
    }
    await insertRows(cfg.databaseUrl, env.topics.evaluations, [{ partition: 0, n: 3 }]);
    const second = env.own(await relayModule(cfg));
    await second.init();
    await drained(cfg.databaseUrl);
    expect(sortedNs(reader)).toEqual([0, 1, 2, 3]);
  });
});

describe('outbox relay: a relay whose lock session dies', () => {
  const env = useTestEnvironment('outboxlock', { partitions: 2, read: ['evaluations'] });
  const cfg = env.config();

  it('stops publishing, and the relay that takes the lock over duplicates nothing', async () => {
    const one = env.own(await relayModule(cfg));
    await one.init();
    const two = env.own(await relayModule(cfg));
    await two.init();
    await publishAcrossALostLock(cfg, env.topics.evaluations, env.readers.evaluations!, 10);
    const holders = [one, two].filter((m) => m.get(OutboxRelayService).holdsLock);
    expect(holders).toHaveLength(1);
  });
});

describe('outbox relay: batches over the broker limit', () => {
  const env = useTestEnvironment('outboxsize', { partitions: 1, read: ['evaluations'] });
  const cfg = env.config();

  it('publishes 120 evaluations of 9.5 kB on one partition (1.14 MB), each once', async () => {
    const c = new Client({ connectionString: cfg.databaseUrl });
    const relay = env.own(await relayModule(cfg));
    await c.connect();
    try {
      // All committed at once, before the relay reads them: one relay batch of 1.14 MB.
      await c.query('BEGIN');
      for (const n of range(120)) {
        await c.query(
          'INSERT INTO outbox (topic, partition, message_key, payload) VALUES ($1, 0, $2, $3)',
          [env.topics.evaluations, 'pf-big', JSON.stringify({ n, pad: 'x'.repeat(9500) })],
        );
      }
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
    await relay.init();
    await drained(cfg.databaseUrl);
    expect(sortedNs(env.readers.evaluations!)).toEqual(range(120));
  });
});

describe('outbox relay on its worker thread (OUTBOX_RELAY_THREAD)', () => {
  const env = useTestEnvironment('outboxthread', { partitions: 2, read: ['evaluations'] });
  const cfg: AppConfig = { ...env.config(), outboxRelayThread: true };
  const threadModule = () =>
    Test.createTestingModule({
      imports: [PlatformModule.forRoot(cfg)],
      providers: [OutboxRelay],
    }).compile();

  it('publishes each row once across a lost lock session, its metrics in the engine', async () => {
    const one = env.own(await threadModule());
    await one.init();
    const two = env.own(await threadModule());
    await two.init();
    // A kick wakes the thread at once (the poll would too, later).
    await publishAcrossALostLock(cfg, env.topics.evaluations, env.readers.evaluations!, 5, () => {
      for (const m of [one, two]) m.get(OutboxRelay).kick();
    });
    await waitFor(
      () => [one, two].filter((m) => m.get(OutboxRelay).holdsLock).length === 1 || undefined,
    );
    // The holder's thread reports its sends to the engine's registry (stage outbox_publish).
    const holderModule = [one, two].find((m) => m.get(OutboxRelay).holdsLock)!;
    const h = await holderModule.get<ServiceMetrics>(METRICS).stageSeconds.get();
    const sends = h.values
      .filter((v) => v.labels.stage === 'outbox_publish' && v.metricName?.endsWith('_count'))
      .reduce((a, v) => a + v.value, 0);
    expect(sends).toBeGreaterThan(0);
    // Both threads stop with their modules.
    await env.close(one);
    await env.close(two);
  });

  it('starts its thread again when it dies, and publishes each row once', async () => {
    const mod = env.own(await threadModule());
    await mod.init();
    const relay = mod.get(OutboxRelay);
    const topic = env.topics.evaluations;
    const reader = env.readers.evaluations!;
    const before = reader.messages.length;
    await insertRows(cfg.databaseUrl, topic, [{ partition: 0, n: 1000 }]);
    relay.kick();
    await reader.waitForCount(before + 1);
    // The thread dies (an out-of-memory, a native crash): terminated from outside.
    const thread = (relay as unknown as { worker?: Worker }).worker;
    expect(thread).toBeDefined();
    await thread!.terminate();
    await insertRows(
      cfg.databaseUrl,
      topic,
      range(10).map((i) => ({ partition: i % 2, n: 1001 + i })),
    );
    // Its successor starts a second later, takes the lock and publishes what is pending.
    await drained(cfg.databaseUrl);
    const ns = sortedNs(reader).filter((n) => n >= 1000);
    expect(ns).toEqual(range(11).map((i) => 1000 + i));
    await waitFor(() => relay.holdsLock || undefined);
    expect((relay as unknown as { worker?: Worker }).worker).not.toBe(thread);
  });
});
