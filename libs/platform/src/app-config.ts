import { hostname } from 'node:os';
import { z } from 'zod';
import { DEMO_WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_PATTERN } from '@risk/alerting/secret-box';
import { formatZodError } from '@risk/contracts';
import { MIN_PROCESSED_EVENTS_DAYS, isValidProcessedEventsDays } from '@risk/persistence';
// The config file alone: the runtime (onnxruntime) stays out of processes that do not run it.
import { REASONING_RUNTIME_ENV } from '@risk/lm-runtime/reasoning.config';

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

/** Codecs the service produces with (`KAFKA_OUTPUT_COMPRESSION`); kafka.ts maps them to kafkajs. */
export const OUTPUT_COMPRESSIONS = ['gzip', 'none'] as const;
export type OutputCompression = (typeof OUTPUT_COMPRESSIONS)[number];

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

/** Marks a setting whose value is a secret: never logged (`SECRET_SETTINGS`). */
const SECRET = 'secret';
const secret = <T extends z.ZodTypeAny>(schema: T): T => schema.describe(SECRET);
const bool = (def: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def)
    .transform((v) => flag(v));

/**
 * Every setting of the service, by its environment variable: the one definition of names,
 * defaults, bounds and parsing. `AppConfig` is inferred from it (camelCase of each name), and a
 * test holds the README's settings table to it.
 */
export const CONFIG_SCHEMA = z.object({
  PORT: intFrom(3000, 0, 65535),
  // The address HTTP listens on; 127.0.0.1 keeps a laptop's service off the network.
  HOST: z.string().min(1).default('0.0.0.0'),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .default('127.0.0.1:9092')
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  KAFKA_CLIENT_ID: z.string().min(1).default('risk-service'),
  // How the service compresses what it produces (evaluations, alerts, dead letters): gzip runs
  // in zlib on libuv's thread pool, off the event loop; snappy and lz4 would be pure JS on it.
  KAFKA_OUTPUT_COMPRESSION: z.enum(OUTPUT_COMPRESSIONS).default('none'),
  // Partitions of the topics `npm run infra:up` creates (scripts/infra reads it too).
  KAFKA_PARTITIONS: intFrom(3, 1, 1000),
  // A managed or shared cluster (docs/infrastructure.md § Secure clusters): TLS, then SASL.
  // Half a setting (a file without KAFKA_SSL, a mechanism without credentials) is refused.
  KAFKA_SSL: bool('false'),
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: bool('true'),
  KAFKA_SASL_MECHANISM: z.enum(['', 'plain', 'scram-sha-256', 'scram-sha-512']).default(''),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: secret(z.string().optional()),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  DATABASE_URL: secret(z.string().url().default('postgres://postgres@127.0.0.1:5432/risk')),
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default(
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64) || 'local',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // json for log shippers; pretty: one readable line per event, for a person (the demo).
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  COALESCE_MS: intFrom(1000, 0, 60_000),
  // Input times further ahead of this process's clock are bad input (docs/contract.md).
  MAX_CLOCK_SKEW_MS: intFrom(300_000, 0, 31_536_000_000),
  // News replayed to portfolios a rebalance moves here (docs/architecture.md § Rebalances).
  RECENT_NEWS_MAX: intFrom(1000, 0, 100_000),
  RECENT_NEWS_WINDOW_MS: intFrom(900_000, 0, 86_400_000),
  // Portfolios one story may reach through the knowledge graph (strongest first), how many are
  // judged and scored per turn of the engine lock and committed per transaction, and how long
  // a wave of batches is scored before its evaluations commit together (docs/knowledge-graph.md
  // § Wiring).
  NEWS_MAX_PORTFOLIOS: intFrom(10_000, 1, 1_000_000),
  NEWS_BATCH_PORTFOLIOS: intFrom(256, 1, 100_000),
  NEWS_WAVE_MS: intFrom(3000, 0, 60_000),
  // News partitions an engine evaluates at once (each in order): a news item mostly waits (for
  // the engine lock, PostgreSQL, the model), so one at a time cannot keep up at desk scale.
  NEWS_PARTITIONS_CONCURRENTLY: intFrom(3, 1, 64),
  // Stories an engine evaluates at once, on any partitions (offsets still commit in order):
  // Kafka fetches the next stories while they run (NewsHandler).
  NEWS_CONCURRENCY: intFrom(6, 1, 256),
  LARGE_MOVE_SIGMA: numFrom(3, 0.5, 100),
  EWMA_LAMBDA: numFrom(0.94, 0.5, 0.9999),
  SAMPLE_INTERVAL_MS: intFrom(60_000, 1000, 86_400_000),
  OUTBOX_POLL_MS: intFrom(200, 5, 60_000),
  OUTBOX_BATCH: intFrom(500, 1, 10_000),
  // Per partition and send: under the broker's message.max.bytes (1,048,576 by default).
  OUTBOX_MAX_BATCH_BYTES: intFrom(1_000_000, 1024, 100_000_000),
  // The engine's outbox relay on a worker thread of its own (false: on the main thread).
  OUTBOX_RELAY_THREAD: bool('true'),
  TREE_MODEL_PATH: z.string().default('models/risk-trees/model.onnx'),
  REASONING_MODEL_DIR: z.string().default('models/risk-reasoner/int8'),
  // The extracted pretrained news encoder (unset: .cache/news-encoder, fetched by infra:up).
  NEWS_ENCODER_DIR: z.string().min(1).optional(),
  REASONING_ENABLED: bool('true'),
  // Generate the chain of thought (not only the judgement probabilities).
  REASONING_GENERATE: bool('true'),
  REASONING_MAX_TOKENS: intFrom(60, 4, 512),
  // Longest per-portfolio context in tokens (0: the model's positions, 8 times them for a
  // local-global model, whose cache holds the sinks and the window whatever the length).
  REASONING_CONTEXT_TOKENS: intFrom(0, 0, 1_000_000),
  // Items per portfolio rebuilt from PostgreSQL when a portfolio comes to this instance.
  REASONING_REBUILD_ITEMS: intFrom(16, 0, 1000),
  // Judgements one portfolio may have in flight; more wait, news first (docs/reasoning.md).
  REASONING_MAX_INFLIGHT_PER_PORTFOLIO: intFrom(1, 1, 64),
  // How long an evaluation waits for the language model (0: until it answers): news from the
  // item's arrival (then the news understanding's judgement alone), price moves from the
  // flush's start (then without a judgement). docs/reasoning.md § Latency budgets.
  REASONING_NEWS_BUDGET_MS: intFrom(300, 0, 600_000),
  REASONING_MOVE_BUDGET_MS: intFrom(250, 0, 600_000),
  REASONING_GATE: z
    .string()
    .refine(isReasoningGate, `a comma-separated subset of ${REASONING_GATES.join(', ')}`)
    .default(REASONING_GATES.join(','))
    .transform(parseReasoningGate),
  ...REASONING_RUNTIME_ENV,
  // Token bucket per API key: sustained requests per second and burst size.
  API_RATE_LIMIT_PER_SEC: numFrom(50, 0.01, 1_000_000),
  API_RATE_LIMIT_BURST: intFrom(100, 1, 1_000_000),
  // How long a looked-up key (and so a revocation) may be served from memory.
  API_KEY_CACHE_MS: intFrom(5000, 0, 600_000),
  API_AUTH_FAILURE_RATE_PER_SEC: numFrom(1, 0.01, 1_000_000),
  API_AUTH_FAILURE_BURST: intFrom(20, 1, 1_000_000),
  STREAM_POLL_MS: intFrom(250, 10, 60_000),
  // Open streams per API key, and in this process; how often open streams re-check their key
  // (a revoked key's streams end within this).
  STREAM_MAX_PER_KEY: intFrom(4, 1, 10_000),
  STREAM_MAX_TOTAL: intFrom(200, 1, 100_000),
  STREAM_KEY_CHECK_MS: intFrom(5000, 100, 600_000),
  // Allow webhook URLs on private, loopback and link-local addresses (tests, private networks).
  WEBHOOK_ALLOW_PRIVATE: bool('false'),
  // Delay before each attempt, first to last, in ms (the first is normally 0).
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(DURATION_LIST, 'comma-separated durations like 0,5s,5m,2h')
    .default('0,5s,5m,30m,2h,5h,10h,14h,20h,24h')
    .transform(parseDurationList),
  WEBHOOK_JITTER: numFrom(0.2, 0, 1),
  WEBHOOK_TIMEOUT_MS: intFrom(15_000, 100, 120_000),
  WEBHOOK_POLL_MS: intFrom(200, 10, 60_000),
  // Run the webhook delivery worker in this process.
  WEBHOOK_WORKER: bool('true'),
  // Attempts in flight in this process, and per subscription.
  WEBHOOK_CONCURRENCY: intFrom(32, 1, 10_000),
  WEBHOOK_MAX_PER_SUBSCRIPTION: intFrom(4, 1, 10_000),
  // AES-256-GCM key of the signing secrets at rest; the public demo key when unset (refused in
  // production by loadConfig).
  WEBHOOK_SECRET_KEY: secret(
    z
      .string()
      .regex(WEBHOOK_SECRET_KEY_PATTERN, '32 bytes: 64 hex digits or 44 base64 characters')
      .optional()
      .transform((v) => v ?? DEMO_WEBHOOK_SECRET_KEY),
  ),
  // Retention (docs/architecture.md § Retention); 0 keeps a table forever.
  RETENTION_STREAM_EVENTS_HOURS: intFrom(72, 0, 87_600),
  RETENTION_WEBHOOK_DAYS: intFrom(30, 0, 3650),
  RETENTION_PROCESSED_EVENTS_DAYS: numFrom(14, 0, 3650).refine(
    isValidProcessedEventsDays,
    `0 (keep forever) or at least ${MIN_PROCESSED_EVENTS_DAYS} day: a ledger row must outlive every redelivery of its message`,
  ),
  RETENTION_OUTBOX_HOURS: intFrom(24, 0, 87_600),
  RETENTION_SNAPSHOT_DAYS: intFrom(30, 0, 3650),
  // Evaluations and alerts, dropped a month partition at a time; 0 keeps them forever.
  RETENTION_EVALUATIONS_DAYS: intFrom(0, 0, 36_500),
  RETENTION_INTERVAL_SECONDS: intFrom(600, 10, 86_400),
  RETENTION_BATCH: intFrom(5000, 100, 50_000),
  // The demo's replay speed (× event time).
  DEMO_SPEED: numFrom(10, 0.01, 10_000),
});

type SettingName = Extract<keyof typeof CONFIG_SCHEMA.shape, string>;
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<Camel<Tail>>}`
  : Lowercase<S>;
type Settings = z.output<typeof CONFIG_SCHEMA>;

/** One validated configuration, read once at boot; a bad value stops the process with its name. */
export type AppConfig = { readonly [K in SettingName as Camel<K>]: Settings[K] };

/** `WEBHOOK_RETRY_SCHEDULE` → `webhookRetrySchedule`. */
export function settingKey<K extends SettingName>(name: K): Camel<K> {
  return name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as Camel<K>;
}

/** Every setting's environment variable. */
export const SETTING_NAMES = Object.keys(CONFIG_SCHEMA.shape) as SettingName[];

/** Names of settings that hold secrets: never logged. */
export const SECRET_SETTINGS = SETTING_NAMES.filter(
  (n) => CONFIG_SCHEMA.shape[n].description === SECRET,
);

export class ConfigError extends Error {}

/** TLS and SASL settings that only work together (kafkaSecurity in kafka.ts maps them). */
function checkKafkaSecurity(e: Settings): void {
  const files = [e.KAFKA_SSL_CA_FILE, e.KAFKA_SSL_CERT_FILE, e.KAFKA_SSL_KEY_FILE];
  if (!e.KAFKA_SSL && files.some(Boolean))
    throw new ConfigError('invalid configuration: KAFKA_SSL_*_FILE is set but KAFKA_SSL is not');
  if (e.KAFKA_SSL && Boolean(e.KAFKA_SSL_CERT_FILE) !== Boolean(e.KAFKA_SSL_KEY_FILE))
    throw new ConfigError(
      'invalid configuration: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together',
    );
  if (e.KAFKA_SASL_MECHANISM === '') {
    if (e.KAFKA_SASL_USERNAME || e.KAFKA_SASL_PASSWORD)
      throw new ConfigError(
        'invalid configuration: KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not',
      );
  } else if (!e.KAFKA_SASL_USERNAME || !e.KAFKA_SASL_PASSWORD)
    throw new ConfigError(
      `invalid configuration: KAFKA_SASL_MECHANISM ${e.KAFKA_SASL_MECHANISM} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`,
    );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = CONFIG_SCHEMA.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration: ${formatZodError(parsed.error)}`);
  if (env.NODE_ENV === 'production' && env.WEBHOOK_SECRET_KEY === undefined)
    throw new ConfigError(
      'invalid configuration: WEBHOOK_SECRET_KEY is required in production (the default is public, for the demo)',
    );
  checkKafkaSecurity(parsed.data);
  const config: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) config[settingKey(name)] = parsed.data[name];
  return Object.freeze(config) as AppConfig;
}

/** The configuration with each secret replaced, fit for a log line. */
export function redactedConfig(cfg: AppConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...cfg };
  for (const name of SECRET_SETTINGS) out[settingKey(name)] = '[redacted]';
  return out;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
