import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, logLevel, type Consumer, type IHeaders, type KafkaMessage } from 'kafkajs';
import {
  allTopics,
  referenceTopics,
  topicNames,
  type Tick,
  type TopicNames,
} from '@risk/contracts';
import { openDatabase } from '@risk/persistence';
import { loadConfig, type AppConfig } from '@risk/platform';
import type { DataSource } from 'typeorm';
// eslint-disable-next-line no-restricted-imports
import { ensureReferenceTopics, ensureTopics } from '../../scripts/infra/topics';

export const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const BASE_DB_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk';

export function uniqueTag(name: string): string {
  return `${name
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** A fresh database for one test file; migrations run when the service opens it. */
export function databaseUrlFor(tag: string): string {
  const u = new URL(BASE_DB_URL);
  u.pathname = `/risk_test_${tag}`;
  return u.toString();
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/**
 * A migrated database of its own for the enclosing describe block: opened before its tests,
 * closed and dropped after them. Read `ds` inside hooks and tests only.
 */
export function scratchDatabase(name: string): { readonly url: string; readonly ds: DataSource } {
  const url = databaseUrlFor(uniqueTag(name));
  let ds: DataSource | undefined;
  beforeAll(async () => {
    ds = await openDatabase(url);
  });
  afterAll(async () => {
    await ds?.destroy();
    await dropDatabase(url);
  });
  return {
    url,
    get ds(): DataSource {
      if (!ds) throw new Error(`database ${name} is not open (read it in a hook or a test)`);
      return ds;
    },
  };
}

export async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Topics with a per-file prefix, created before the service starts (auto-creation is off). */
export async function createTopics(prefix: string, partitions = 3): Promise<TopicNames> {
  const names = topicNames(prefix);
  await ensureTopics(BROKERS, allTopics(names), partitions);
  await ensureReferenceTopics(BROKERS, referenceTopics(names), partitions);
  return names;
}

export function testConfig(tag: string, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    KAFKA_BROKERS: BROKERS,
    TOPIC_PREFIX: `${tag}.`,
    GROUP_PREFIX: `${tag}.`,
    DATABASE_URL: databaseUrlFor(tag),
    INSTANCE_ID: 'test',
    LOG_LEVEL: 'warn',
    COALESCE_MS: '100',
    OUTBOX_POLL_MS: '50',
    PORT: '0',
    ...overrides,
  });
}

export function kafkaClient(): Kafka {
  return new Kafka({
    clientId: 'risk-tests',
    brokers: BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
}

export interface Produced {
  key: string | null;
  value: string | Buffer | null;
  /** Else the producer's partitioner picks it by key. */
  partition?: number;
  headers?: IHeaders;
}

export async function produce(kafka: Kafka, topic: string, messages: Produced[]): Promise<void> {
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  try {
    await p.send({ topic, acks: -1, messages });
  } finally {
    await p.disconnect();
  }
}

export const json = (key: string, v: unknown): Produced => ({ key, value: JSON.stringify(v) });

/** A price tick as producers write it (contract: Tick), keyed by its symbol. */
export function tickMessage(t: Tick): Produced {
  return json(t.symbol, t);
}

/** A news item as producers write it (contract: NewsEvent), keyed by its id. */
export function newsMessage(n: {
  id: string;
  ts: string;
  headline: string;
  symbols: string[];
  body?: string;
}): Produced {
  return json(n.id, n);
}

/**
 * A positions snapshot as producers write it (contract: PositionsSnapshot), keyed by portfolio;
 * id `snap-<portfolioId>`, USD and 09:00 unless given.
 */
export function positionsMessage(s: {
  portfolioId: string;
  positions: { symbol: string; quantity: number; price?: number }[];
  cash: number;
  id?: string;
  ts?: string;
  limits?: Record<string, number>;
}): Produced {
  return json(s.portfolioId, {
    baseCurrency: 'USD',
    ...s,
    id: s.id ?? `snap-${s.portfolioId}`,
    ts: s.ts ?? '2026-11-30T09:00:00.000Z',
  });
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The offsets a consumer group has committed on a topic, summed over its partitions (0 if none). */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from the beginning into memory, for assertions on what the service published. */
export class TopicReader {
  readonly messages: {
    partition: number;
    offset: string;
    key: string | null;
    value: string;
    headers: KafkaMessage['headers'];
  }[] = [];
  private consumer?: Consumer;
  private readonly seen = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    this.consumer = this.kafka.consumer({
      groupId: `reader-${randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: 50,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        // A consumer may see an offset again after a rebalance; the log holds it once.
        const at = `${partition}:${message.offset}`;
        if (this.seen.has(at)) return;
        this.seen.add(at);
        this.messages.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          headers: message.headers,
        });
      },
    });
    return this;
  }

  values<T = Record<string, unknown>>(): T[] {
    return this.messages.map((m) => JSON.parse(m.value) as T);
  }

  async waitForCount(
    n: number,
    timeoutMs = 30_000,
    filter: (v: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>[]> {
    return waitFor(
      () => {
        const vs = this.values().filter(filter);
        return vs.length >= n ? vs : undefined;
      },
      timeoutMs,
      `${n} messages on ${this.topic}`,
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Waits until the outbox of the database at `url` has no row left to publish. */
export async function outboxEmpty(url: string): Promise<void> {
  await waitFor(
    async () =>
      (
        await query<{ n: string }>(
          url,
          'SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL',
        )
      )[0].n === '0' || undefined,
    60_000,
    'an empty outbox',
  );
}
