/**
 * bench:ingest — ticks per second through ingest → state → coalesced evaluation persisted, next
 * to a bare kafkajs consumer reading the same topic on the same broker in the same run; then
 * news produced → evaluation committed latency. Needs `npm run infra:up`.
 *
 * The pipeline is measured in the two layouts the service runs in: every service in one process
 * (laptop, demo) and ingest and risk engine as separate processes (deployment). The RESULT line
 * gives the deployment layout; both are printed.
 */
import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Kafka, logLevel, type Consumer, type ConsumerConfig, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { allTopics, referenceTopics, topicNames, type TopicNames } from '@risk/contracts';
import { METRICS, groupIds, loadConfig, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { startService } from '../apps/all/src/start-service';
import { startRiskEngine } from '../apps/risk-engine/src/start-risk-engine';
import { ensureReferenceTopics, ensureTopics } from '../scripts/infra/topics';
import { kill, spawnApp } from '../test/support/service-process';
import { deleteRunTopics, percentile, resultLine, round, sendNews } from './bench-support';
import { dropDatabase } from '../test/support/harness';

const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const TICKS = Number(process.env.BENCH_TICKS ?? 200_000);
const NEWS = Number(process.env.BENCH_NEWS ?? 200);
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}`);
const PORTFOLIOS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PipelineFigures {
  ticksPerS: number;
  evaluations: number;
  newsMs: number[];
}

async function produceTape(producer: Producer, topics: TopicNames): Promise<void> {
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
}

async function bareConsumerRate(kafka: Kafka, tag: string, topic: string): Promise<number> {
  const bare = kafka.consumer({
    groupId: `${tag}.bare`,
    maxBytesPerPartition: 4 << 20,
    maxWaitTimeInMs: 50,
  });
  await bare.connect();
  await bare.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let last = 0;
  await bare.run({
    eachBatch: async ({ batch }) => {
      if (seen === 0) first = performance.now();
      seen += batch.messages.length;
      if (seen >= TICKS) last = performance.now();
    },
  });
  while (seen < TICKS) await sleep(10);
  await bare.disconnect();
  return TICKS / ((last - first) / 1000);
}

/**
 * performance.now() when kafkajs handed a consumer group its first batch of a topic (as the bare
 * consumer's clock starts), for every consumer this process creates: a service starts consuming
 * while it boots, before the bench can poll its progress.
 */
const firstBatchAt = new Map<string, number>();
const createConsumer = Kafka.prototype.consumer;
Kafka.prototype.consumer = function (this: Kafka, config: ConsumerConfig): Consumer {
  const consumer = createConsumer.call(this, config);
  consumer.on(consumer.events.START_BATCH_PROCESS, (e) => {
    const key = `${config.groupId}|${e.payload.topic}`;
    if (!firstBatchAt.has(key)) firstBatchAt.set(key, performance.now());
  });
  return consumer;
};

/**
 * Seconds between the start and `progress` reaching 2 (finished), polled every 5 ms. The start is
 * `startedAt()` when the consumer is in this process, else when `progress` is first seen at 1;
 * a start missed by the first poll is reported (the figure is then too high).
 */
async function timeWindow(
  name: string,
  progress: () => Promise<number>,
  startedAt: () => number | undefined = () => undefined,
): Promise<number> {
  let start = 0;
  let polls = 0;
  for (;;) {
    const p = await progress();
    const now = performance.now();
    polls++;
    if (p >= 1 && start === 0) {
      start = startedAt() ?? now;
      if (polls === 1 && startedAt() === undefined)
        console.log(`  (${name}: started before the first poll; its rate is overstated)`);
    }
    if (p >= 2) return (now - start) / 1000;
    await sleep(5);
  }
}

/** Runs the pipeline over the tape in `layout` and measures it. */
async function measurePipeline(
  layout: 'one-process' | 'split',
  kafka: Kafka,
  producer: Producer,
  topics: TopicNames,
  tag: string,
): Promise<PipelineFigures> {
  const dbUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk');
  dbUrl.pathname = `/risk_bench_${tag}_${layout.replace('-', '_')}`;
  const cfg: AppConfig = loadConfig({
    ...process.env,
    KAFKA_BROKERS: BROKERS,
    TOPIC_PREFIX: `${tag}.`,
    GROUP_PREFIX: `${tag}.${layout}.`,
    DATABASE_URL: dbUrl.toString(),
    INSTANCE_ID: 'bench',
    LOG_LEVEL: 'warn',
    PORT: '0',
    // The goals are without the language model (bench:scoring measures it).
    REASONING_ENABLED: 'false',
  });
  let app: INestApplicationContext;
  let ingest: ReturnType<typeof spawnApp> | undefined;
  if (layout === 'one-process') {
    app = await startService(cfg, { listen: false });
  } else {
    ingest = spawnApp('ingest', cfg);
    app = await startRiskEngine(cfg);
  }
  const db = new Client({ connectionString: dbUrl.toString() });
  await db.connect();
  const admin = kafka.admin();
  await admin.connect();
  const engineDone = async (): Promise<number> => {
    const r = await db.query<{ tick_offsets: Record<string, string> }>(
      "SELECT tick_offsets FROM engine_state WHERE instance_id = 'bench'",
    );
    return r.rows[0] ? Object.values(r.rows[0].tick_offsets).reduce((s, o) => s + Number(o), 0) : 0;
  };
  const ingestDone = async (): Promise<number> => {
    const groups = await admin.fetchOffsets({
      groupId: groupIds(cfg).ingest,
      topics: [topics.ticks],
    });
    return groups[0].partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  };
  const metrics = app.get<ServiceMetrics>(METRICS);
  const applied = async (): Promise<number> =>
    (await metrics.messages.get()).values.find(
      (v) => v.labels.kind === 'tick' && v.labels.outcome === 'applied',
    )?.value ?? 0;
  // Each consumer is timed from its first message to its last: the engine until every tick is
  // applied and the state covering it persisted, ingest until every tick is validated and its
  // offsets committed. The pipeline runs at the slower of the two.
  const engineWindow = timeWindow(
    'engine',
    async () => ((await applied()) > 0 ? 1 : 0) + ((await engineDone()) >= TICKS ? 1 : 0),
    () => firstBatchAt.get(`${groupIds(cfg).ticks}|${topics.ticks}`),
  );
  const ingestWindow = timeWindow(
    'ingest',
    async () => {
      const done = await ingestDone();
      return (done > 0 ? 1 : 0) + (done >= TICKS ? 1 : 0);
    },
    () => firstBatchAt.get(`${groupIds(cfg).ingest}|${topics.ticks}`),
  );
  const [engineS, ingestS] = await Promise.all([engineWindow, ingestWindow]);
  const ticksPerS = TICKS / Math.max(engineS, ingestS);
  console.log(
    `  ${layout}: engine ${Math.round(TICKS / engineS)} ticks/s, ingest ${Math.round(TICKS / ingestS)} ticks/s`,
  );
  const evaluations = Number(
    (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM evaluations')).rows[0].n,
  );

  // News → evaluation committed (visible to another session), one at a time on a held symbol.
  const newsMs: number[] = [];
  for (let i = 0; i < NEWS; i++) {
    const id = `n-${layout}-${i}`;
    const symbol = SYMBOLS[i % SYMBOLS.length];
    const sentAt = performance.now();
    await sendNews(producer, topics.news, {
      id,
      headline: `Headline ${i} about ${symbol}`,
      symbols: [symbol],
    });
    for (;;) {
      const r = await db.query('SELECT 1 FROM evaluations WHERE trigger_event_id = $1 LIMIT 1', [
        id,
      ]);
      if (r.rowCount) {
        newsMs.push(performance.now() - sentAt);
        break;
      }
      await sleep(1);
    }
  }
  newsMs.sort((a, b) => a - b);
  await app.close();
  if (ingest) await kill(ingest, 'SIGTERM');
  await admin.disconnect();
  await db.end();
  await dropDatabase(dbUrl.toString());
  return { ticksPerS, evaluations, newsMs };
}

async function main(): Promise<void> {
  const tag = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topics = topicNames(`${tag}.`);
  await ensureTopics(BROKERS, allTopics(topics), 3);
  // Ingest also reads the reference topics; they must exist (auto-creation is off).
  await ensureReferenceTopics(BROKERS, referenceTopics(topics), 3);
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t = performance.now();
  await produceTape(producer, topics);
  console.log(
    `produced ${TICKS} ticks over ${SYMBOLS.length} symbols and ${PORTFOLIOS} portfolios in ${round((performance.now() - t) / 1000)} s`,
  );

  const bareRate = await bareConsumerRate(kafka, tag, topics.ticks);
  console.log(
    `bare kafkajs consumer (eachBatch, counting):        ${Math.round(bareRate)} ticks/s`,
  );
  const results: Record<string, PipelineFigures> = {};
  for (const layout of ['one-process', 'split'] as const) {
    const f = await measurePipeline(layout, kafka, producer, topics, tag);
    results[layout] = f;
    console.log(
      `pipeline, ${layout === 'split' ? 'ingest and engine as two processes' : 'every service in one process   '}: ` +
        `${Math.round(f.ticksPerS)} ticks/s = ${round(f.ticksPerS / bareRate, 3)} × bare (${f.evaluations} evaluations persisted); ` +
        `news → committed p50 ${round(percentile(f.newsMs, 50), 1)} ms, p99 ${round(percentile(f.newsMs, 99), 1)} ms`,
    );
  }
  await producer.disconnect();
  await deleteRunTopics(kafka, topics);

  const split = results.split;
  console.log('goals: ≥ 50,000 ticks/s, ≥ 0.5 of the bare consumer, news p99 ≤ 50 ms');
  console.log(
    resultLine({
      ticks_per_s: Math.round(split.ticksPerS),
      bare_ratio: round(split.ticksPerS / bareRate, 3),
      news_p50_ms: round(percentile(split.newsMs, 50), 1),
      news_p99_ms: round(percentile(split.newsMs, 99), 1),
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
