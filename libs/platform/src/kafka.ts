import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { AppConfig } from './app-config';
import { topicNames, type TopicNames } from '@risk/contracts';

export const KAFKA = Symbol('KAFKA');
export const TOPICS = Symbol('TOPICS');

type LogFn = (o: object, m: string) => void;
type PinoLike = { debug: LogFn; warn: LogFn; error: LogFn };

// kafkajs's own table of broker error codes: which ones a client simply retries.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: { message: string; retriable: boolean }[];
};
const RETRIABLE = new Set(errorCodes.filter((c) => c.retriable).map((c) => c.message));

/**
 * The level a kafkajs log line deserves: a broker error kafkajs retries (a group coordinator
 * still loading, a leader election) is routine while a broker starts, so debug, not error; a
 * consumer restart is a warning (readiness says the rest). Null: not logged.
 */
export function kafkaLogLevel(
  level: logLevel,
  log: { message?: string; error?: unknown },
): 'error' | 'warn' | 'debug' | null {
  if (level === logLevel.ERROR) {
    if (typeof log.error === 'string' && RETRIABLE.has(log.error)) return 'debug';
    if (log.message?.startsWith('Restarting the consumer')) return 'warn';
    return 'error';
  }
  return level === logLevel.WARN ? 'warn' : null;
}

/** `overrides`: a probe's client retries nothing and waits less. */
export function createKafka(
  cfg: AppConfig,
  logger?: PinoLike,
  overrides: { retries?: number; connectionTimeout?: number; requestTimeout?: number } = {},
): Kafka {
  // The default (Java-compatible murmur2) partitioner is the one we want; its v2 notice is noise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId: cfg.kafkaClientId,
    brokers: cfg.kafkaBrokers,
    logLevel: logLevel.WARN,
    retry: { retries: overrides.retries ?? 10, initialRetryTime: 100, maxRetryTime: 5000 },
    ...(overrides.connectionTimeout ? { connectionTimeout: overrides.connectionTimeout } : {}),
    ...(overrides.requestTimeout ? { requestTimeout: overrides.requestTimeout } : {}),
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        const to = logger ? kafkaLogLevel(level, log) : null;
        if (to) logger![to]({ kafka: rest }, message);
      },
  });
}

export function configuredTopics(cfg: AppConfig): TopicNames {
  return topicNames(cfg.topicPrefix);
}

/** Consumer group ids, one place so every app and test agrees on them. */
export function groupIds(cfg: AppConfig) {
  const p = cfg.groupPrefix;
  return {
    ingest: `${p}risk-ingest`,
    positions: `${p}risk-engine`,
    // Ticks and news are read by every engine instance in full (a global table), so each
    // instance has its own group.
    ticks: `${p}risk-engine-ticks.${cfg.instanceId}`,
    news: `${p}risk-engine-news.${cfg.instanceId}`,
  };
}
