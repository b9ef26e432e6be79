import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { AppConfig } from './app-config';
import { topicNames, type TopicNames } from '@risk/contracts';
import { registerKafkaCodecs } from './kafka-codecs';

export const KAFKA = Symbol('KAFKA');
export const TOPICS = Symbol('TOPICS');

type PinoLike = { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };

export function createKafka(cfg: AppConfig, logger?: PinoLike): Kafka {
  // The default (Java-compatible murmur2) partitioner is the one we want; its v2 notice is noise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  registerKafkaCodecs();
  return new Kafka({
    clientId: cfg.kafkaClientId,
    brokers: cfg.kafkaBrokers,
    ...kafkaSecurity(cfg),
    logLevel: logLevel.WARN,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 5000 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        if (!logger) return;
        if (level === logLevel.ERROR) logger.error({ kafka: rest }, message);
        else if (level === logLevel.WARN) logger.warn({ kafka: rest }, message);
      },
  });
}

/**
 * kafkajs' TLS and SASL options from the configuration. Certificate files are read here, when a
 * client is made, so a rotated file is picked up by the next client (a restart).
 */
export function kafkaSecurity(
  cfg: Pick<AppConfig, 'kafkaSsl' | 'kafkaSasl'>,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const tls = cfg.kafkaSsl;
  if (tls) {
    const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
    const ca = read(tls.caFile);
    const cert = read(tls.certFile);
    const key = read(tls.keyFile);
    out.ssl =
      ca || cert || !tls.rejectUnauthorized
        ? {
            rejectUnauthorized: tls.rejectUnauthorized,
            ...(ca ? { ca: [ca] } : {}),
            ...(cert && key ? { cert, key } : {}),
          }
        : true;
  }
  const sasl = cfg.kafkaSasl;
  if (sasl) {
    const { username, password } = sasl;
    out.sasl =
      sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username, password }
        : sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password };
  }
  return out;
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
