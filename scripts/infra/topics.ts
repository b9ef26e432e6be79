import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';
import { REFERENCE_TOPIC_CONFIG, allTopics, referenceTopics, topicNames } from '@risk/contracts';

/** The contract's topics, with the deployment's prefix (`TOPIC_PREFIX`, tests and demos use one). */
export function projectTopics(prefix = process.env.TOPIC_PREFIX ?? ''): string[] {
  return allTopics(topicNames(prefix));
}

/** The compacted reference-data topics, with the deployment's prefix. */
export function projectReferenceTopics(prefix = process.env.TOPIC_PREFIX ?? ''): string[] {
  return referenceTopics(topicNames(prefix));
}

/**
 * Creates the compacted reference topics (`cleanup.policy=compact`: the latest message per key
 * is the data, tombstones remove). An existing topic keeps its configuration.
 */
export function ensureReferenceTopics(
  brokers: string | readonly string[],
  names: readonly string[],
  partitions: number = partitionsFromEnv(),
): Promise<EnsureTopicsResult> {
  return ensureTopics(brokers, names, partitions, { configEntries: { ...REFERENCE_TOPIC_CONFIG } });
}

export const DEFAULT_BROKERS = '127.0.0.1:9092';
export const DEFAULT_PARTITIONS = 3;

/** `KAFKA_BROKERS` is a comma-separated `host:port` list. */
export function parseBrokers(value: string | undefined): string[] {
  const brokers = (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  return brokers.length > 0 ? brokers : [DEFAULT_BROKERS];
}

export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return parseBrokers(env.KAFKA_BROKERS);
}

/** The project's own broker (`npm run infra:up`) is only ever on the loopback default port. */
export function isLocalDefaultBroker(brokers: readonly string[]): boolean {
  return brokers.length === 1 && ['127.0.0.1:9092', 'localhost:9092'].includes(brokers[0] ?? '');
}

export function parsePartitions(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_PARTITIONS;
  const partitions = Number(value);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
    throw new Error(`KAFKA_PARTITIONS must be an integer in 1..1000, got "${value}"`);
  }
  return partitions;
}

export function partitionsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return parsePartitions(env.KAFKA_PARTITIONS);
}

export interface EnsureTopicsOptions {
  /** -1 (default) lets the cluster choose: `default.replication.factor`, 1 on the local broker. */
  replicationFactor?: number;
  /** Per-topic configs, e.g. `{ 'retention.ms': '3600000' }`. */
  configEntries?: Record<string, string>;
  clientId?: string;
  /** How long the cluster may take to create the topics and elect their leaders. */
  timeoutMs?: number;
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the topics that do not exist yet and waits until every partition has a leader.
 * Idempotent: existing topics are left as they are (their partition count is not changed), and
 * concurrent callers racing to create the same topic both succeed.
 */
export async function ensureTopics(
  brokers: string | readonly string[],
  names: readonly string[],
  partitions: number = partitionsFromEnv(),
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsResult> {
  const brokerList = typeof brokers === 'string' ? parseBrokers(brokers) : [...brokers];
  const wanted = [...new Set(names)];
  const kafka = new Kafka({
    clientId: options.clientId ?? 'risk-infra',
    brokers: brokerList,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const before = new Set(await admin.listTopics());
    const missing = wanted.filter((name) => !before.has(name));
    if (missing.length > 0) {
      const configEntries = Object.entries(options.configEntries ?? {}).map(([name, value]) => ({
        name,
        value,
      }));
      const topics: ITopicConfig[] = missing.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: options.replicationFactor ?? -1,
        configEntries,
      }));
      // Resolves false (no throw) when another caller created them first. Leaders are waited
      // for below: kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker
      // that has just started answers for a topic it is still creating (CI's first suites).
      await admin.createTopics({
        topics,
        waitForLeaders: false,
        timeout: options.timeoutMs ?? 30000,
      });
    }
    await waitForLeaders(admin, wanted, options.timeoutMs ?? 30000);
    return { created: missing, existing: wanted.filter((name) => before.has(name)) };
  } finally {
    await admin.disconnect();
  }
}

type Admin = ReturnType<Kafka['admin']>;

/** Also covers topics another process is still creating when we listed them. */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  if (topics.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let leaderless: string[];
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      leaderless = metadata.topics
        .filter(
          (topic) =>
            topic.partitions.length === 0 ||
            topic.partitions.some((partition) => partition.leader < 0),
        )
        .map((topic) => topic.name);
    } catch (e) {
      // Not known to the broker yet, or no leader yet: asked again until the deadline.
      const type = (e as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw e;
      leaderless = topics;
    }
    if (leaderless.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`topics without a leader after ${timeoutMs} ms: ${leaderless.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
