import { hostname } from 'node:os';
import { z } from 'zod';
import { formatZodError } from '@risk/contracts';

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);
const numFrom = (def: number, min: number, max: number) =>
  z.coerce.number().min(min).max(max).default(def);

const EnvSchema = z.object({
  PORT: intFrom(3000, 0, 65535),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('risk-service'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/risk'),
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default(
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64) || 'local',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COALESCE_MS: intFrom(1000, 0, 60_000),
  LARGE_MOVE_SIGMA: numFrom(3, 0.5, 100),
  EWMA_LAMBDA: numFrom(0.94, 0.5, 0.9999),
  SAMPLE_INTERVAL_MS: intFrom(60_000, 1000, 86_400_000),
  OUTBOX_POLL_MS: intFrom(200, 5, 60_000),
  OUTBOX_BATCH: intFrom(500, 1, 10_000),
});

/** One validated configuration, read once at boot; a bad value stops the process with its name. */
export interface AppConfig {
  port: number;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topicPrefix: string;
  groupPrefix: string;
  databaseUrl: string;
  instanceId: string;
  logLevel: string;
  coalesceMs: number;
  largeMoveSigma: number;
  ewmaLambda: number;
  sampleIntervalMs: number;
  outboxPollMs: number;
  outboxBatch: number;
}

/** Names of settings that hold secrets: never logged. */
export const SECRET_SETTINGS = ['DATABASE_URL'];

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration: ${formatZodError(parsed.error)}`);
  const e = parsed.data;
  return {
    port: e.PORT,
    kafkaBrokers: e.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaClientId: e.KAFKA_CLIENT_ID,
    topicPrefix: e.TOPIC_PREFIX,
    groupPrefix: e.GROUP_PREFIX,
    databaseUrl: e.DATABASE_URL,
    instanceId: e.INSTANCE_ID,
    logLevel: e.LOG_LEVEL,
    coalesceMs: e.COALESCE_MS,
    largeMoveSigma: e.LARGE_MOVE_SIGMA,
    ewmaLambda: e.EWMA_LAMBDA,
    sampleIntervalMs: e.SAMPLE_INTERVAL_MS,
    outboxPollMs: e.OUTBOX_POLL_MS,
    outboxBatch: e.OUTBOX_BATCH,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
