/**
 * bench:ingest — ticks per second through ingest → state → coalesced evaluation persisted, next
 * to a bare kafkajs consumer reading the same topic on the same broker in the same run; then
 * news produced → evaluation committed latency. Needs `npm run infra:up`.
 */
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { allTopics, topicNames } from '@risk/contracts';
import { METRICS, loadConfig, type ServiceMetrics } from '@risk/platform';

import { startService } from '../apps/all/src/start-service';

import { ensureTopics } from '../scripts/infra/topics';
import { percentile, resultLine, round } from './bench-support';

const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const TICKS = Number(process.env.BENCH_TICKS ?? 200_000);
const NEWS = Number(process.env.BENCH_NEWS ?? 200);
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}`);
const PORTFOLIOS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const tag = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topics = topicNames(`${tag}.`);
  const dbUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk');
  dbUrl.pathname = `/risk_bench_${tag}`;
  await ensureTopics(BROKERS, allTopics(topics), 3);
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  // Portfolios first (each holds 5 symbols), then the tick tape.
  await producer.send({
    topic: topics.positions,
    acks: -1,
    messages: Array.from({ length: PORTFOLIOS }, (_, p) => {
      const id = `pf-${p}`;
      const positions = Array.from({ length: 5 }, (_, k) => ({
        symbol: SYMBOLS[(p * 5 + k) % SYMBOLS.length],
        quantity: 100 + k,
        price: 100,
      }));
      return {
        key: id,
        value: JSON.stringify({
          id: `snap-${id}`,
          portfolioId: id,
          ts: '2026-11-30T09:00:00.000Z',
          baseCurrency: 'USD',
          cash: 1e6,
          positions,
        }),
      };
    }),
  });
  const t0 = Date.parse('2026-11-30T09:30:00.000Z');
  const perSymbol = Math.ceil(TICKS / SYMBOLS.length);
  const started = performance.now();
  for (let base = 0; base < TICKS; base += 20_000) {
    const messages = [];
    for (let i = base; i < Math.min(TICKS, base + 20_000); i++) {
      const s = i % SYMBOLS.length;
      const step = Math.floor(i / SYMBOLS.length);
      const price = Math.round(100 * (1 + 0.02 * Math.sin(step / 50 + s)) * 100) / 100;
      const symbol = SYMBOLS[s];
      messages.push({
        key: symbol,
        value: JSON.stringify({
          id: `t-${i}`,
          symbol,
          price,
          ts: new Date(t0 + step * 250).toISOString(),
          volume: 100,
        }),
      });
    }
    await producer.send({ topic: topics.ticks, acks: -1, messages });
  }
  console.log(
    `produced ${TICKS} ticks (${perSymbol} per symbol, ${SYMBOLS.length} symbols) in ${round((performance.now() - started) / 1000)} s`,
  );

  // 1. The bare consumer: kafkajs, eachBatch, counting only.
  const bare = kafka.consumer({
    groupId: `${tag}.bare`,
    maxBytesPerPartition: 4 << 20,
    maxWaitTimeInMs: 50,
  });
  await bare.connect();
  await bare.subscribe({ topic: topics.ticks, fromBeginning: true });
  let seen = 0;
  let bareFirst = 0;
  let bareLast = 0;
  await bare.run({
    eachBatch: async ({ batch }) => {
      if (seen === 0) bareFirst = performance.now();
      seen += batch.messages.length;
      if (seen >= TICKS) bareLast = performance.now();
    },
  });
  while (seen < TICKS) await sleep(10);
  await bare.disconnect();
  const bareRate = TICKS / ((bareLast - bareFirst) / 1000);
  console.log(`bare kafkajs consumer: ${Math.round(bareRate)} ticks/s`);

  // 2. The service: ingest + risk engine (+ api) in one process on the same tape.
  const cfg = loadConfig({
    ...process.env,
    KAFKA_BROKERS: BROKERS,
    TOPIC_PREFIX: `${tag}.`,
    GROUP_PREFIX: `${tag}.`,
    DATABASE_URL: dbUrl.toString(),
    INSTANCE_ID: 'bench',
    LOG_LEVEL: 'warn',
    PORT: '0',
  });
  const db = new Client({ connectionString: dbUrl.toString() });
  const app: INestApplication = await startService(cfg, { listen: false });
  await db.connect();
  const offsetsDone = async (): Promise<number> => {
    const r = await db.query<{ tick_offsets: Record<string, string> }>(
      "SELECT tick_offsets FROM engine_state WHERE instance_id = 'bench'",
    );
    return r.rows[0] ? Object.values(r.rows[0].tick_offsets).reduce((s, o) => s + Number(o), 0) : 0;
  };
  const evalCount = async (): Promise<number> =>
    Number(
      (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM evaluations')).rows[0].n,
    );
  // First applied tick → every tick applied and the state covering it persisted.
  const metrics = app.get<ServiceMetrics>(METRICS);
  const applied = async (): Promise<number> =>
    (await metrics.messages.get()).values.find(
      (v) => v.labels.kind === 'tick' && v.labels.outcome === 'applied',
    )?.value ?? 0;
  while ((await applied()) === 0) await sleep(1);
  const first = performance.now();
  while ((await offsetsDone()) < TICKS) await sleep(5);
  const last = performance.now();
  const pipelineRate = TICKS / ((last - first) / 1000);
  const evaluations = await evalCount();
  console.log(
    `service pipeline: ${Math.round(pipelineRate)} ticks/s (${evaluations} evaluations persisted, coalesced)`,
  );

  // 3. News → evaluation committed latency, one news at a time on a held symbol.
  const latencies: number[] = [];
  for (let i = 0; i < NEWS; i++) {
    const id = `n-${i}`;
    const symbol = SYMBOLS[i % SYMBOLS.length];
    const sentAt = Date.now();
    await producer.send({
      topic: topics.news,
      acks: -1,
      messages: [
        {
          key: id,
          value: JSON.stringify({
            id,
            ts: new Date(sentAt).toISOString(),
            headline: `Headline ${i} about ${symbol}`,
            symbols: [symbol],
          }),
        },
      ],
    });
    // Committed = visible to another session: poll for the row.
    for (;;) {
      const r = await db.query('SELECT 1 FROM evaluations WHERE trigger_event_id = $1 LIMIT 1', [
        id,
      ]);
      if (r.rowCount) {
        latencies.push(Date.now() - sentAt);
        break;
      }
      await sleep(1);
    }
  }
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `news produced → evaluation committed: p50 ${p50} ms, p99 ${p99} ms over ${NEWS} news`,
  );

  await app.close();
  await db.end();
  await producer.disconnect();
  const admin = new Client({ connectionString: dbUrl.toString().replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "risk_bench_${tag}" WITH (FORCE)`);
  await admin.end();
  const kadmin = kafka.admin();
  await kadmin.connect();
  await kadmin.deleteTopics({ topics: allTopics(topics) }).catch(() => undefined);
  await kadmin.disconnect();

  console.log(`goals: ≥ 50,000 ticks/s, ≥ 0.5 of the bare consumer, news p99 ≤ 50 ms`);
  console.log(
    resultLine({
      ticks_per_s: Math.round(pipelineRate),
      bare_ratio: round(pipelineRate / bareRate, 3),
      news_p50_ms: p50,
      news_p99_ms: p99,
    }),
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
