import { hostname } from 'node:os';
import { z } from 'zod';
import { DEMO_WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_PATTERN } from '@risk/alerting/secret-box';
import { formatZodError } from '@risk/contracts';
import { MIN_PROCESSED_EVENTS_DAYS, isValidProcessedEventsDays } from '@risk/persistence';

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);
const numFrom = (def: number, min: number, max: number) =>
  z.coerce.number().min(min).max(max).default(def);

const DURATION = /^(\d+)(ms|s|m|h)?$/;
const DURATION_LIST = /^\s*\d+(ms|s|m|h)?(\s*,\s*\d+(ms|s|m|h)?)*\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `0,5s,5m,2h` → milliseconds; a bare number is milliseconds. */
export function parseDurationList(text: string): number[] {
  return text.split(',').map((part) => {
    const m = DURATION.exec(part.trim());
    if (!m) throw new ConfigError(`bad duration ${JSON.stringify(part)}`);
    return Number(m[1]) * UNIT_MS[m[2] ?? 'ms'];
  });
}

const flag = (v: string): boolean => v === 'true' || v === '1';

/** Events that may run the reasoning language model (docs/reasoning.md § Gating). */
export const REASONING_GATES = ['news', 'moves', 'levels'] as const;
export type ReasoningGate = (typeof REASONING_GATES)[number];
export type ReasoningGates = Readonly<Record<ReasoningGate, boolean>>;

/** `news,moves` → which events run the language model; empty → none; an unknown word throws. */
export function parseReasoningGate(text: string): ReasoningGates {
  const gates: Record<ReasoningGate, boolean> = { news: false, moves: false, levels: false };
  for (const part of text.split(',')) {
    const word = part.trim().toLowerCase();
    if (word === '') continue;
    if (!(REASONING_GATES as readonly string[]).includes(word))
      throw new ConfigError(
        `unknown reasoning gate ${JSON.stringify(word)} (a comma-separated subset of ${REASONING_GATES.join(', ')})`,
      );
    gates[word as ReasoningGate] = true;
  }
  return gates;
}

const isReasoningGate = (text: string): boolean => {
  try {
    parseReasoningGate(text);
    return true;
  } catch {
    return false;
  }
};

const EnvSchema = z.object({
  PORT: intFrom(3000, 0, 65535),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('risk-service'),
  // A managed or shared cluster (docs/infrastructure.md § Secure clusters): TLS, then SASL.
  KAFKA_SSL: z.enum(['true', 'false', '1', '0']).default('false'),
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: z.enum(['true', 'false', '1', '0']).default('true'),
  KAFKA_SASL_MECHANISM: z.enum(['', 'plain', 'scram-sha-256', 'scram-sha-512']).default(''),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
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
  // Input times further ahead of this process's clock are bad input (docs/contract.md).
  MAX_CLOCK_SKEW_MS: intFrom(300_000, 0, 31_536_000_000),
  // News replayed to portfolios a rebalance moves here (docs/architecture.md § Rebalances).
  RECENT_NEWS_MAX: intFrom(1000, 0, 100_000),
  RECENT_NEWS_WINDOW_MS: intFrom(900_000, 0, 86_400_000),
  LARGE_MOVE_SIGMA: numFrom(3, 0.5, 100),
  EWMA_LAMBDA: numFrom(0.94, 0.5, 0.9999),
  SAMPLE_INTERVAL_MS: intFrom(60_000, 1000, 86_400_000),
  OUTBOX_POLL_MS: intFrom(200, 5, 60_000),
  REASONING_MODEL_DIR: z.string().default('models/risk-reasoner/int8'),
  TREE_MODEL_PATH: z.string().default('models/risk-trees/model.onnx'),
  REASONING_ENABLED: z.enum(['true', 'false']).default('true'),
  REASONING_GENERATE: z.enum(['true', 'false']).default('true'),
  REASONING_MAX_TOKENS: intFrom(60, 4, 512),
  REASONING_GATE: z
    .string()
    .refine(isReasoningGate, `a comma-separated subset of ${REASONING_GATES.join(', ')}`)
    .default(REASONING_GATES.join(',')),
  OUTBOX_BATCH: intFrom(500, 1, 10_000),
  // Per partition and send: under the broker's message.max.bytes (1,048,576 by default).
  OUTBOX_MAX_BATCH_BYTES: intFrom(1_000_000, 1024, 100_000_000),
  API_RATE_LIMIT_PER_SEC: numFrom(50, 0.01, 1_000_000),
  API_RATE_LIMIT_BURST: intFrom(100, 1, 1_000_000),
  API_KEY_CACHE_MS: intFrom(5000, 0, 600_000),
  API_AUTH_FAILURE_RATE_PER_SEC: numFrom(1, 0.01, 1_000_000),
  API_AUTH_FAILURE_BURST: intFrom(20, 1, 1_000_000),
  STREAM_POLL_MS: intFrom(250, 10, 60_000),
  STREAM_MAX_PER_KEY: intFrom(4, 1, 10_000),
  STREAM_MAX_TOTAL: intFrom(200, 1, 100_000),
  STREAM_KEY_CHECK_MS: intFrom(5000, 100, 600_000),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0']).default('false'),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(DURATION_LIST, 'comma-separated durations like 0,5s,5m,2h')
    .default('0,5s,5m,30m,2h,5h,10h,14h,20h,24h'),
  WEBHOOK_JITTER: numFrom(0.2, 0, 1),
  WEBHOOK_TIMEOUT_MS: intFrom(15_000, 100, 120_000),
  WEBHOOK_POLL_MS: intFrom(200, 10, 60_000),
  WEBHOOK_WORKER: z.enum(['true', 'false', '1', '0']).default('true'),
  WEBHOOK_CONCURRENCY: intFrom(32, 1, 10_000),
  WEBHOOK_MAX_PER_SUBSCRIPTION: intFrom(4, 1, 10_000),
  WEBHOOK_SECRET_KEY: z
    .string()
    .regex(WEBHOOK_SECRET_KEY_PATTERN, '32 bytes: 64 hex digits or 44 base64 characters')
    .optional(),
  // Retention (docs/architecture.md § Retention); 0 keeps a table forever.
  RETENTION_STREAM_EVENTS_HOURS: intFrom(72, 0, 87_600),
  RETENTION_WEBHOOK_DAYS: intFrom(30, 0, 3650),
  RETENTION_PROCESSED_EVENTS_DAYS: numFrom(14, 0, 3650).refine(
    isValidProcessedEventsDays,
    `0 (keep forever) or at least ${MIN_PROCESSED_EVENTS_DAYS} day: a ledger row must outlive every redelivery of its message`,
  ),
  RETENTION_OUTBOX_HOURS: intFrom(24, 0, 87_600),
  RETENTION_SNAPSHOT_DAYS: intFrom(30, 0, 3650),
  RETENTION_INTERVAL_SECONDS: intFrom(600, 10, 86_400),
  RETENTION_BATCH: intFrom(5000, 100, 50_000),
});

/** One validated configuration, read once at boot; a bad value stops the process with its name. */
export interface AppConfig {
  port: number;
  kafkaBrokers: string[];
  kafkaClientId: string;
  /** TLS to the brokers (null: plaintext); file paths, read when a client is made. */
  kafkaSsl: {
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    rejectUnauthorized: boolean;
  } | null;
  /** SASL authentication (null: none). */
  kafkaSasl: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  } | null;
  topicPrefix: string;
  groupPrefix: string;
  databaseUrl: string;
  instanceId: string;
  logLevel: string;
  coalesceMs: number;
  /** How far ahead of the service clock an input's `ts` may be before it is dead-lettered. */
  maxClockSkewMs: number;
  /** How many of the latest news items an engine keeps to replay after a rebalance (0: none). */
  recentNewsMax: number;
  /** …and how far behind the newest one in event time (0: no time bound). */
  recentNewsWindowMs: number;
  largeMoveSigma: number;
  ewmaLambda: number;
  sampleIntervalMs: number;
  outboxPollMs: number;
  /** Folder of the reasoning model (model.onnx, config.json, tokenizer.json). */
  reasoningModelDir: string;
  reasoningEnabled: boolean;
  /** The tree ensemble's ONNX file. */
  treeModelPath: string;
  /** Generate the chain of thought (not only the judgement probabilities). */
  reasoningGenerate: boolean;
  reasoningMaxTokens: number;
  /** Which events run the language model: news about a held symbol, large moves, level changes. */
  reasoningGate: ReasoningGates;
  outboxBatch: number;
  outboxMaxBatchBytes: number;
  /** Token bucket per API key: sustained requests per second and burst size. */
  apiRateLimitPerSec: number;
  apiRateLimitBurst: number;
  /** How long a looked-up key (and so a revocation) may be served from memory. */
  apiKeyCacheMs: number;
  /** Token bucket per client address for failed authentications (bad or missing keys). */
  apiAuthFailureRatePerSec: number;
  apiAuthFailureBurst: number;
  streamPollMs: number;
  /** Open streams per API key, and in this process. */
  streamMaxPerKey: number;
  streamMaxTotal: number;
  /** How often open streams re-check their key (a revoked key's streams end within this). */
  streamKeyCheckMs: number;
  /** Allow webhook URLs on private, loopback and link-local addresses (tests, private networks). */
  webhookAllowPrivate: boolean;
  /** Delay before each attempt, first to last, in ms (the first is normally 0). */
  webhookRetryScheduleMs: number[];
  webhookJitter: number;
  webhookTimeoutMs: number;
  webhookPollMs: number;
  /** Run the webhook delivery worker in this process. */
  webhookWorker: boolean;
  /** Attempts in flight in this process, and per subscription. */
  webhookConcurrency: number;
  webhookMaxPerSubscription: number;
  /** AES-256-GCM key of the signing secrets at rest (secret); the public demo key when unset. */
  webhookSecretKey: string;
  /** How long stream_events rows are kept (SSE resume window); 0: forever. */
  retentionStreamEventsHours: number;
  /** How long final webhook deliveries and their attempts are kept after completion; 0: forever. */
  retentionWebhookDays: number;
  /** How long idempotency ledger rows are kept; 0 (forever) or at least 1 day. */
  retentionProcessedEventsDays: number;
  /** How long published outbox rows are kept after publication; 0: forever. */
  retentionOutboxHours: number;
  /** How long snapshots are kept after receipt, each portfolio's latest always; 0: forever. */
  retentionSnapshotDays: number;
  retentionIntervalSeconds: number;
  /** Rows per retention DELETE. */
  retentionBatch: number;
}

/** Names of settings that hold secrets: never logged. */
export const SECRET_SETTINGS = ['DATABASE_URL', 'KAFKA_SASL_PASSWORD', 'WEBHOOK_SECRET_KEY'];

export class ConfigError extends Error {}

type Env = z.infer<typeof EnvSchema>;

function kafkaSslOf(e: Env): AppConfig['kafkaSsl'] {
  const files = [e.KAFKA_SSL_CA_FILE, e.KAFKA_SSL_CERT_FILE, e.KAFKA_SSL_KEY_FILE];
  if (!flag(e.KAFKA_SSL)) {
    if (files.some(Boolean))
      throw new ConfigError('invalid configuration: KAFKA_SSL_*_FILE is set but KAFKA_SSL is not');
    return null;
  }
  if (Boolean(e.KAFKA_SSL_CERT_FILE) !== Boolean(e.KAFKA_SSL_KEY_FILE))
    throw new ConfigError(
      'invalid configuration: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together',
    );
  return {
    caFile: e.KAFKA_SSL_CA_FILE,
    certFile: e.KAFKA_SSL_CERT_FILE,
    keyFile: e.KAFKA_SSL_KEY_FILE,
    rejectUnauthorized: flag(e.KAFKA_SSL_REJECT_UNAUTHORIZED),
  };
}

function kafkaSaslOf(e: Env): AppConfig['kafkaSasl'] {
  if (e.KAFKA_SASL_MECHANISM === '') {
    if (e.KAFKA_SASL_USERNAME || e.KAFKA_SASL_PASSWORD)
      throw new ConfigError(
        'invalid configuration: KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not',
      );
    return null;
  }
  if (!e.KAFKA_SASL_USERNAME || !e.KAFKA_SASL_PASSWORD)
    throw new ConfigError(
      `invalid configuration: KAFKA_SASL_MECHANISM ${e.KAFKA_SASL_MECHANISM} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`,
    );
  return {
    mechanism: e.KAFKA_SASL_MECHANISM,
    username: e.KAFKA_SASL_USERNAME,
    password: e.KAFKA_SASL_PASSWORD,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration: ${formatZodError(parsed.error)}`);
  const e = parsed.data;
  if (env.NODE_ENV === 'production' && e.WEBHOOK_SECRET_KEY === undefined)
    throw new ConfigError(
      'invalid configuration: WEBHOOK_SECRET_KEY is required in production (the default is public, for the demo)',
    );
  return {
    port: e.PORT,
    kafkaBrokers: e.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaClientId: e.KAFKA_CLIENT_ID,
    kafkaSsl: kafkaSslOf(e),
    kafkaSasl: kafkaSaslOf(e),
    topicPrefix: e.TOPIC_PREFIX,
    groupPrefix: e.GROUP_PREFIX,
    databaseUrl: e.DATABASE_URL,
    instanceId: e.INSTANCE_ID,
    logLevel: e.LOG_LEVEL,
    coalesceMs: e.COALESCE_MS,
    maxClockSkewMs: e.MAX_CLOCK_SKEW_MS,
    recentNewsMax: e.RECENT_NEWS_MAX,
    recentNewsWindowMs: e.RECENT_NEWS_WINDOW_MS,
    largeMoveSigma: e.LARGE_MOVE_SIGMA,
    ewmaLambda: e.EWMA_LAMBDA,
    sampleIntervalMs: e.SAMPLE_INTERVAL_MS,
    outboxPollMs: e.OUTBOX_POLL_MS,
    reasoningModelDir: e.REASONING_MODEL_DIR,
    reasoningEnabled: e.REASONING_ENABLED === 'true',
    treeModelPath: e.TREE_MODEL_PATH,
    reasoningGenerate: e.REASONING_GENERATE === 'true',
    reasoningMaxTokens: e.REASONING_MAX_TOKENS,
    reasoningGate: parseReasoningGate(e.REASONING_GATE),
    outboxBatch: e.OUTBOX_BATCH,
    outboxMaxBatchBytes: e.OUTBOX_MAX_BATCH_BYTES,
    apiRateLimitPerSec: e.API_RATE_LIMIT_PER_SEC,
    apiRateLimitBurst: e.API_RATE_LIMIT_BURST,
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    apiAuthFailureRatePerSec: e.API_AUTH_FAILURE_RATE_PER_SEC,
    apiAuthFailureBurst: e.API_AUTH_FAILURE_BURST,
    streamPollMs: e.STREAM_POLL_MS,
    streamMaxPerKey: e.STREAM_MAX_PER_KEY,
    streamMaxTotal: e.STREAM_MAX_TOTAL,
    streamKeyCheckMs: e.STREAM_KEY_CHECK_MS,
    webhookAllowPrivate: flag(e.WEBHOOK_ALLOW_PRIVATE),
    webhookRetryScheduleMs: parseDurationList(e.WEBHOOK_RETRY_SCHEDULE),
    webhookJitter: e.WEBHOOK_JITTER,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookPollMs: e.WEBHOOK_POLL_MS,
    webhookWorker: flag(e.WEBHOOK_WORKER),
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    webhookMaxPerSubscription: e.WEBHOOK_MAX_PER_SUBSCRIPTION,
    webhookSecretKey: e.WEBHOOK_SECRET_KEY ?? DEMO_WEBHOOK_SECRET_KEY,
    retentionStreamEventsHours: e.RETENTION_STREAM_EVENTS_HOURS,
    retentionWebhookDays: e.RETENTION_WEBHOOK_DAYS,
    retentionProcessedEventsDays: e.RETENTION_PROCESSED_EVENTS_DAYS,
    retentionOutboxHours: e.RETENTION_OUTBOX_HOURS,
    retentionSnapshotDays: e.RETENTION_SNAPSHOT_DAYS,
    retentionIntervalSeconds: e.RETENTION_INTERVAL_SECONDS,
    retentionBatch: e.RETENTION_BATCH,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
