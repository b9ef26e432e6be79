/** Small helpers shared by the benchmarks. */
import type { Kafka, Producer } from 'kafkajs';
import { allTopics, referenceTopics, type TopicNames } from '@risk/contracts';
import { loadConfig, type AppConfig } from '@risk/platform';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function resultLine(fields: Record<string, number | string>): string {
  return (
    'RESULT ' +
    Object.entries(fields)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
  );
}

/** Deletes a run's topics (its own names, so runs never share a topic); errors ignored. */
export async function deleteRunTopics(kafka: Kafka, topics: TopicNames): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: [...allTopics(topics), ...referenceTopics(topics)] })
    .catch(() => undefined);
  await admin.disconnect();
}

/**
 * A run's settings: the environment's, on its own topics, consumer groups and database
 * (`risk_<tag>`), quiet, on a free port; `overrides` last.
 */
export function runSettings(
  tag: string,
  overrides: Record<string, string> = {},
): { dbUrl: URL; cfg: AppConfig } {
  const dbUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk');
  dbUrl.pathname = `/risk_${tag}`;
  const cfg = loadConfig({
    ...process.env,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    TOPIC_PREFIX: `${tag}.`,
    GROUP_PREFIX: `${tag}.`,
    DATABASE_URL: dbUrl.toString(),
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...overrides,
  });
  return { dbUrl, cfg };
}

/** Sends one news item stamped now, keyed by its id, and waits for every replica (acks -1). */
export async function sendNews(
  producer: Producer,
  topic: string,
  item: { id: string; headline: string; symbols: string[]; entities?: string[] },
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key: item.id, value: JSON.stringify({ ...item, ts: new Date().toISOString() }) }],
  });
}
