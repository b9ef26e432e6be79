import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { allTopics, referenceTopics, topicNames, type TopicNames } from '@risk/contracts';
import { OUTBOX_STORE, OutboxRepository } from '@risk/persistence';
import { PlatformModule, loadConfig, type AppConfig } from '@risk/platform';
// The engine's module, booted in this process with a failing outbox store.
// eslint-disable-next-line no-restricted-imports
import { RiskEngineModule } from '../../apps/risk-engine/src/risk-engine.module';
// eslint-disable-next-line no-restricted-imports
import { ensureReferenceTopics, ensureTopics } from '../../scripts/infra/topics';
import { FailingMarks } from './failing-outbox';
import { BROKERS, dropDatabase, query, uniqueTag, waitFor } from './harness';
import { PrivateBroker, PrivatePostgres, freePort, kcatProduce } from './private-infra';
import { kill, spawnApp } from './service-process';

/** What one fault did to the stream: the contract wants 0 and 0. */
export interface FaultOutcome {
  name: string;
  /** Expected evaluations missing in PostgreSQL, or in PostgreSQL but not on Kafka. */
  lost: number;
  /** Evaluations twice in PostgreSQL for one trigger, or one evaluation twice on Kafka. */
  duplicated: number;
  /** Seconds from the broker or PostgreSQL answering again to the service ready and publishing. */
  recoveryS?: number;
  /** Messages on risk.evaluations over the broker's 1 MiB limit (none can be). */
  oversized?: number;
}

const SHARED_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk';
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
const T0 = Date.parse('2026-11-30T09:30:00.000Z');

/** One scenario's world: topics on `brokers`, a fresh database on `pgUrl`, a config for it. */
export class FaultStream {
  readonly tag: string;
  readonly topics: TopicNames;
  readonly databaseUrl: string;
  private readonly children: ChildProcess[] = [];
  readonly portfolios: string[];
  private readonly expected = new Set<string>();
  private round = 0;
  private probes = 0;

  constructor(
    name: string,
    readonly brokers: string,
    pgBase: string,
    portfolios = 6,
  ) {
    this.tag = uniqueTag(name);
    this.topics = topicNames(`${this.tag}.`);
    const u = new URL(pgBase);
    u.pathname = `/risk_test_${this.tag}`;
    this.databaseUrl = u.toString();
    this.portfolios = Array.from({ length: portfolios }, (_, i) => `pf-${i + 1}`);
  }

  async createTopics(partitions = 3): Promise<void> {
    // A broker just started may not yet know the topics it created: try again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureTopics(this.brokers, allTopics(this.topics), partitions);
        await ensureReferenceTopics(this.brokers, referenceTopics(this.topics), partitions);
        return;
      } catch (e) {
        if (attempt >= 5) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  config(overrides: Record<string, string> = {}): AppConfig {
    return loadConfig({
      KAFKA_BROKERS: this.brokers,
      TOPIC_PREFIX: `${this.tag}.`,
      GROUP_PREFIX: `${this.tag}.`,
      DATABASE_URL: this.databaseUrl,
      INSTANCE_ID: 'a',
      LOG_LEVEL: 'warn',
      COALESCE_MS: '50',
      OUTBOX_POLL_MS: '50',
      PORT: '0',
      ...overrides,
    });
  }

  /** The whole service in one process (HTTP on a free port for /ready), or one engine instance. */
  async spawn(
    app: 'all' | 'risk-engine' = 'all',
    instance = 'a',
    env: Record<string, string> = {},
  ): Promise<{ child: ChildProcess; port: number }> {
    const port = await freePort();
    const child = spawnApp(app, this.config({ INSTANCE_ID: instance, PORT: String(port) }), {
      REASONING_ENABLED: 'false',
      ...env,
    });
    this.children.push(child);
    const logs = process.env.FAULT_LOG_DIR;
    if (logs) {
      const file = createWriteStream(`${logs}/${this.tag}-${app}-${instance}-${port}.log`);
      child.stdout?.pipe(file);
      child.stderr?.pipe(file);
    }
    return { child, port };
  }

  holdings(i: number): string[] {
    return [SYMBOLS[i % 4], SYMBOLS[(i + 1) % 4]];
  }

  /** A snapshot of every portfolio, produced with kcat. */
  snapshots(): void {
    kcatProduce(
      this.brokers,
      this.topics.positions,
      this.portfolios.map((pid, i) => {
        this.expected.add(`${pid}|${this.topics.positions}|snap-${pid}`);
        return {
          key: pid,
          value: JSON.stringify({
            id: `snap-${pid}`,
            portfolioId: pid,
            ts: new Date(T0 - 60_000).toISOString(),
            baseCurrency: 'USD',
            cash: 10_000 * (i + 1),
            positions: this.holdings(i).map((symbol, k) => ({
              symbol,
              quantity: 100 * (k + 1),
              price: 50,
            })),
          }),
        };
      }),
    );
  }

  /** `n` rounds of a tick per symbol and one news item, each produced with kcat. */
  rounds(n: number): void {
    for (let k = 0; k < n; k++) {
      const r = this.round++;
      const ts = new Date(T0 + r * 1000).toISOString();
      kcatProduce(
        this.brokers,
        this.topics.ticks,
        SYMBOLS.map((symbol, s) => ({
          key: symbol,
          value: JSON.stringify({
            id: `t-${symbol}-${r}`,
            symbol,
            price: Math.round((50 + Math.sin(r / 3 + s) * 5) * 100) / 100,
            ts,
          }),
        })),
      );
      const symbol = SYMBOLS[r % 4];
      this.portfolios.forEach((pid, i) => {
        if (this.holdings(i).includes(symbol)) {
          this.expected.add(`${pid}|${this.topics.news}|n-${r}`);
        }
      });
      kcatProduce(this.brokers, this.topics.news, [
        {
          key: `n-${r}`,
          value: JSON.stringify({
            id: `n-${r}`,
            ts,
            headline: `Story ${r} about ${symbol}`,
            symbols: [symbol],
          }),
        },
      ]);
    }
  }

  /** Any snapshot, produced with kcat; its evaluation is expected once. */
  produceSnapshot(pid: string, snapshot: Record<string, unknown>, expectEvaluation = true): void {
    const id = `snap-${pid}-${this.probes++}`;
    if (expectEvaluation) this.expected.add(`${pid}|${this.topics.positions}|${id}`);
    kcatProduce(
      this.brokers,
      this.topics.positions,
      [
        {
          key: pid,
          value: JSON.stringify({
            id,
            portfolioId: pid,
            ts: new Date(T0 - 30_000).toISOString(),
            baseCurrency: 'USD',
            cash: 1000,
            positions: [{ symbol: 'AAA', quantity: 1, price: 50 }],
            ...snapshot,
          }),
        },
        // gzip: a 20,000-position snapshot is over 1 MiB as plain JSON.
      ],
      ['-z', 'gzip'],
    );
  }

  /**
   * Seconds until the service answers /ready with 200 on `port` and a snapshot produced now is
   * evaluated and published: ready again, and the stream flows.
   */
  async timeToReady(port: number, timeoutMs = 120_000): Promise<number> {
    const started = performance.now();
    const pid = `pf-probe-${this.probes}`;
    this.produceSnapshot(pid, {});
    await waitFor(
      async () => {
        try {
          let res = await fetch(`http://127.0.0.1:${port}/ready`, {
            signal: AbortSignal.timeout(2500),
          });
          // A build whose /ready still asks for an API key: liveness, and the probe below.
          if (res.status === 401) {
            res = await fetch(`http://127.0.0.1:${port}/health`, {
              signal: AbortSignal.timeout(2500),
            });
          }
          if (res.status !== 200) return undefined;
          const rows = await query(
            this.databaseUrl,
            'SELECT 1 FROM outbox WHERE message_key = $1 AND published_at IS NOT NULL',
            [pid],
          );
          return rows.length > 0 || undefined;
        } catch {
          return undefined;
        }
      },
      timeoutMs,
      'the service ready and publishing again',
    );
    return (performance.now() - started) / 1000;
  }

  /** Waits until every expected evaluation is in PostgreSQL and the outbox is empty. */
  async settle(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () => {
        try {
          const keys = await this.evaluationKeys();
          const have = new Set(keys);
          const pending = await query<{ n: string }>(
            this.databaseUrl,
            'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
          );
          return (
            ([...this.expected].every((k) => have.has(k)) && pending[0].n === '0') || undefined
          );
        } catch {
          return undefined;
        }
      },
      timeoutMs,
      `every expected evaluation of ${this.tag}`,
    ).catch(() => undefined); // what is missing is counted as lost below
    await new Promise((r) => setTimeout(r, 1500));
  }

  private async evaluationKeys(): Promise<string[]> {
    const rows = await query<{ k: string }>(
      this.databaseUrl,
      `SELECT portfolio_id || '|' || trigger_topic || '|' || trigger_event_id AS k FROM evaluations`,
    );
    return rows.map((r) => r.k);
  }

  /** Reads risk.evaluations to its end with kcat (librdkafka, read_committed). */
  published(): string[] {
    const r = spawnSync(
      'kcat',
      [
        '-C',
        '-b',
        this.brokers,
        '-t',
        this.topics.evaluations,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-f',
        '%s\n',
        '-X',
        'fetch.message.max.bytes=10000000',
      ],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`kcat -C failed: ${r.stderr}`);
    return r.stdout.split('\n').filter((line) => line.length > 0);
  }

  /** Counts what was lost and duplicated, in PostgreSQL and on Kafka. */
  async outcome(name: string): Promise<FaultOutcome> {
    const keys = await this.evaluationKeys();
    const have = new Set(keys);
    const missingInPg = [...this.expected].filter((k) => !have.has(k)).length;
    const pgIds = new Set(
      (await query<{ id: string }>(this.databaseUrl, 'SELECT id::text AS id FROM evaluations')).map(
        (r) => r.id,
      ),
    );
    const values = this.published();
    const kafkaIds = values.map((v) => (JSON.parse(v) as { id: string }).id);
    const onKafka = new Set(kafkaIds);
    const missingOnKafka = [...pgIds].filter((id) => !onKafka.has(id)).length;
    return {
      name,
      lost: missingInPg + missingOnKafka,
      duplicated: keys.length - have.size + (kafkaIds.length - onKafka.size),
      oversized: values.filter((v) => Buffer.byteLength(v) > 1_048_576).length,
    };
  }

  async killAll(): Promise<void> {
    for (const c of this.children) await kill(c, 'SIGKILL');
  }

  async dispose(): Promise<void> {
    await this.killAll();
    await dropDatabase(this.databaseUrl).catch(() => undefined);
  }
}

/** The engine killed with SIGKILL mid-stream and started again. */
export async function sigkillScenario(): Promise<FaultOutcome> {
  const s = new FaultStream('fault-kill', BROKERS, SHARED_PG);
  try {
    await s.createTopics();
    let { child } = await s.spawn();
    s.snapshots();
    s.rounds(10);
    await waitFor(
      async () =>
        (await query(s.databaseUrl, 'SELECT 1 FROM evaluations LIMIT 1').catch(() => [])).length >
          0 || undefined,
      120_000,
      'the first evaluation',
    );
    s.rounds(5);
    await kill(child, 'SIGKILL');
    s.rounds(5);
    ({ child } = await s.spawn());
    s.rounds(5);
    await s.settle();
    return await s.outcome('sigkill');
  } finally {
    await s.dispose();
  }
}

/**
 * The service streaming, then `restart` (stop, wait, start: broker or PostgreSQL), then the time
 * until it is ready and publishing again, and the stream on to the end.
 */
async function restartMidStream(
  s: FaultStream,
  name: string,
  restart: () => Promise<void>,
): Promise<FaultOutcome> {
  await s.createTopics();
  const { port } = await s.spawn();
  s.snapshots();
  s.rounds(10);
  await s.timeToReady(port);
  s.rounds(5);
  await restart();
  const recoveryS = await s.timeToReady(port);
  s.rounds(10);
  await s.settle();
  return { ...(await s.outcome(name)), recoveryS };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The broker stopped and started again under the running service. */
export async function brokerRestartScenario(): Promise<FaultOutcome> {
  const broker = await PrivateBroker.create();
  await broker.start();
  const s = new FaultStream('fault-broker', broker.brokers, SHARED_PG);
  try {
    return await restartMidStream(s, 'broker restart', async () => {
      await broker.stop('SIGTERM');
      await pause(3000);
      await broker.start();
    });
  } finally {
    await s.dispose();
    await broker.destroy();
  }
}

/** PostgreSQL stopped (every session ended) and started again under the running service. */
export async function postgresRestartScenario(): Promise<FaultOutcome> {
  const pg = await PrivatePostgres.create();
  await pg.start();
  const s = new FaultStream('fault-pg', BROKERS, pg.url('postgres'));
  try {
    return await restartMidStream(s, 'postgres restart', async () => {
      pg.stop('immediate');
      s.rounds(5); // the broker is up: input goes on arriving while PostgreSQL is down
      await pause(3000);
      await pg.start();
    });
  } finally {
    await s.dispose();
    pg.destroy();
  }
}

/**
 * Two engine instances, portfolios split by partition, commits interleaved in one outbox; each
 * is stopped and started again in turn, so the relay's lock changes hands at least once (the
 * second stop is a SIGKILL).
 */
export async function twoInstancesScenario(): Promise<FaultOutcome> {
  const s = new FaultStream('fault-two', BROKERS, SHARED_PG, 8);
  try {
    await s.createTopics(4);
    let a = (await s.spawn('risk-engine', 'a')).child;
    let b = (await s.spawn('risk-engine', 'b')).child;
    s.snapshots();
    s.rounds(10);
    await kill(a, 'SIGTERM');
    s.rounds(5);
    a = (await s.spawn('risk-engine', 'a')).child;
    s.rounds(5);
    await kill(b, 'SIGKILL');
    s.rounds(5);
    b = (await s.spawn('risk-engine', 'b')).child;
    s.rounds(5);
    await s.settle(180_000);
    void a;
    void b;
    return await s.outcome('two instances and a hand-over');
  } finally {
    await s.dispose();
  }
}

/**
 * Outputs over 1 MiB: a 5,000-position snapshot (the input limit; its evaluation was 1.24 MB),
 * and a 20,000-position one (over the input limit: a dead letter, no evaluation).
 */
export async function largeOutputScenario(): Promise<FaultOutcome> {
  const s = new FaultStream('fault-large', BROKERS, SHARED_PG);
  const big = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      symbol: `S${String(i).padStart(14, '0')}X`,
      quantity: 100 + i,
      price: 10 + (i % 97),
    }));
  try {
    await s.createTopics();
    await s.spawn();
    s.snapshots();
    s.produceSnapshot('pf-large', { positions: big(5000) });
    s.produceSnapshot('pf-huge', { positions: big(20_000) }, false);
    s.rounds(5);
    await s.settle(180_000);
    return await s.outcome('outputs over 1 MiB');
  } finally {
    await s.dispose();
  }
}

/**
 * The engine in this process with its relay's marks failing now and then (every 3rd mark, 4
 * times) through the OutboxStore port: each failed mark leaves a sent batch unmarked.
 */
export async function failedMarkScenario(): Promise<FaultOutcome & { marksFailed: number }> {
  const s = new FaultStream('fault-mark', BROKERS, SHARED_PG);
  let store: FailingMarks | undefined;
  @Global()
  @Module({
    providers: [
      {
        provide: OUTBOX_STORE,
        useFactory: (ds: DataSource) => (store = new FailingMarks(new OutboxRepository(ds), 4, 3)),
        inject: [DataSource],
      },
    ],
    exports: [OUTBOX_STORE],
  })
  class FailingOutboxModule {}
  let app: INestApplicationContext | undefined;
  try {
    await s.createTopics();
    @Module({
      imports: [
        PlatformModule.forRoot(s.config({ REASONING_ENABLED: 'false' })),
        FailingOutboxModule,
        RiskEngineModule,
      ],
    })
    class EngineWithFailingMarks {}
    app = await NestFactory.createApplicationContext(EngineWithFailingMarks, { logger: false });
    await app.init();
    s.snapshots();
    s.rounds(20);
    await s.settle();
    return { ...(await s.outcome('failed markPublished')), marksFailed: store?.marksFailed ?? 0 };
  } finally {
    await app?.close();
    await s.dispose();
  }
}

/** Every fault of test/faults.e2e-spec.ts, in its order (bench:faults runs them all). */
export const FAULT_SCENARIOS: readonly (() => Promise<FaultOutcome>)[] = [
  sigkillScenario,
  brokerRestartScenario,
  postgresRestartScenario,
  failedMarkScenario,
  twoInstancesScenario,
  largeOutputScenario,
];
