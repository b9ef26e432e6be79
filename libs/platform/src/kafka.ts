import { readFileSync } from 'node:fs';
import { CompressionTypes, Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { AppConfig, OutputCompression } from './app-config';
import { topicNames, type TopicNames } from '@risk/contracts';
import { registerKafkaCodecs } from './kafka-codecs';

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
  registerKafkaCodecs();
  return new Kafka({
    clientId: cfg.kafkaClientId,
    brokers: cfg.kafkaBrokers,
    ...kafkaSecurity(cfg),
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

/**
 * kafkajs' TLS and SASL options from the configuration. Certificate files are read here, when a
 * client is made, so a rotated file is picked up by the next client (a restart).
 */
export function kafkaSecurity(
  cfg: Pick<
    AppConfig,
    | 'kafkaSsl'
    | 'kafkaSslCaFile'
    | 'kafkaSslCertFile'
    | 'kafkaSslKeyFile'
    | 'kafkaSslRejectUnauthorized'
    | 'kafkaSaslMechanism'
    | 'kafkaSaslUsername'
    | 'kafkaSaslPassword'
  >,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (cfg.kafkaSsl) {
    const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
    const ca = read(cfg.kafkaSslCaFile);
    const cert = read(cfg.kafkaSslCertFile);
    const key = read(cfg.kafkaSslKeyFile);
    const rejectUnauthorized = cfg.kafkaSslRejectUnauthorized;
    out.ssl =
      ca || cert || !rejectUnauthorized
        ? {
            rejectUnauthorized,
            ...(ca ? { ca: [ca] } : {}),
            ...(cert && key ? { cert, key } : {}),
          }
        : true;
  }
  // loadConfig refused a mechanism without both credentials.
  const mechanism = cfg.kafkaSaslMechanism;
  const username = cfg.kafkaSaslUsername ?? '';
  const password = cfg.kafkaSaslPassword ?? '';
  if (mechanism !== '')
    out.sasl =
      mechanism === 'plain'
        ? { mechanism: 'plain', username, password }
        : mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password };
  return out;
}

/**
 * The kafkajs codec for what the service produces (`KAFKA_OUTPUT_COMPRESSION`). kafkajs
 * compresses each partition's record batch of a send as one; its gzip runs zlib asynchronously,
 * on libuv's thread pool. Any Kafka client reads gzip batches.
 */
export function outputCompression(codec: OutputCompression): CompressionTypes {
  return codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
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
    // Reference data too: every instance holds the whole knowledge graph.
    reference: `${p}risk-engine-reference.${cfg.instanceId}`,
  };
}
