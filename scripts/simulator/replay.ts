/**
 * Produces a JSONL stream onto Kafka at a chosen speed, in order per key, in batches.
 *   npm run replay -- --file data/sample-stream.jsonl --speed 20 [--loop] [--rebase-time]
 * `replayStream(opts)` is the same thing for in-process callers (the demo).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  Kafka,
  Partitioners,
  logLevel,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import { brokersFromEnv, ensureTopics } from '../infra/topics';
import { numberOption } from './cli-options';
import {
  defaultRunTag,
  dueAtMs,
  eventTimes,
  loopTransform,
  parseStreamJsonl,
  priceDriftFactors,
  streamSpan,
  transformRecord,
  type ReplayRecord,
} from './replay-plan';

export interface ReplayOptions {
  /** JSONL file to read; or pass `records`. */
  file?: string;
  records?: ReplayRecord[];
  /** Defaults to KAFKA_BROKERS (comma-separated), else 127.0.0.1:9092. */
  brokers?: string[];
  clientId?: string;
  /** Event-time speed factor: 1 real time, 10 ten times faster, 0 as fast as possible. */
  speed?: number;
  /** true replays forever (until `signal` aborts); a number replays that many passes. */
  loop?: boolean | number;
  /** Shift all timestamps so the stream starts now. */
  rebaseTime?: boolean;
  /**
   * Appended to every id so a run's messages are new to the service. Default: a tag from the
   * start time when re-basing (a re-based run is new events), none otherwise; '' forces none.
   */
  runTag?: string;
  /** When looping, scale prices so each pass continues from the last (default true). */
  continuePrices?: boolean;
  topicPrefix?: string;
  /** Most records in one sendBatch. */
  batchSize?: number;
  /** How late a paced record may go out so that the next ones share its batch (default 20). */
  lingerMs?: number;
  /** Create the (prefixed) topics first when missing; the broker does not auto-create. */
  createTopics?: boolean;
  /** Partitions of topics it creates; default KAFKA_PARTITIONS, else 3. */
  partitions?: number;
  signal?: AbortSignal;
  onProgress?: (stats: ReplayStats) => void;
}

export interface ReplayStats {
  sent: number;
  batches: number;
  loopsCompleted: number;
  perTopic: Record<string, number>;
  runTag?: string;
}

/** What runReplay needs from the outside world; replayStream wires Kafka and the real clock. */
export interface ReplayDeps {
  send: (batch: ReplayRecord[]) => Promise<void>;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_BATCH_SIZE = 500;
/** Waiting this much past a due time lets neighbours join the batch: fewer, fuller sendBatch calls. */
export const DEFAULT_LINGER_MS = 20;
/** Sleep in slices so an abort is noticed promptly even at slow speeds. */
const MAX_SLEEP_MS = 250;

/** The scheduling loop, free of Kafka: sends due records in batches, pass after pass. */
export async function runReplay(
  records: readonly ReplayRecord[],
  opts: Pick<
    ReplayOptions,
    | 'speed'
    | 'loop'
    | 'rebaseTime'
    | 'runTag'
    | 'continuePrices'
    | 'batchSize'
    | 'lingerMs'
    | 'signal'
    | 'onProgress'
  >,
  deps: ReplayDeps,
): Promise<ReplayStats> {
  const speed = opts.speed ?? 1;
  if (!(speed >= 0) || !Number.isFinite(speed))
    throw new Error('speed must be a finite number >= 0');
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const lingerMs = Math.max(0, opts.lingerMs ?? DEFAULT_LINGER_MS);
  if (!(batchSize >= 1)) throw new Error('batchSize must be >= 1');
  const passes = opts.loop === true ? Infinity : typeof opts.loop === 'number' ? opts.loop : 1;
  const wallStart = deps.now();
  const runTag =
    opts.runTag === undefined
      ? opts.rebaseTime
        ? defaultRunTag(wallStart)
        : undefined
      : opts.runTag || undefined;
  const stats: ReplayStats = { sent: 0, batches: 0, loopsCompleted: 0, perTopic: {}, runTag };
  if (records.length === 0) return stats;

  const span = streamSpan(records);
  const factors = priceDriftFactors(records);
  const times = eventTimes(records);
  const planOpts = {
    rebaseToMs: opts.rebaseTime ? wallStart : undefined,
    runTag,
    continuePrices: opts.continuePrices,
  };
  const origin = loopTransform(span, factors, 0, planOpts).shiftMs + span.firstMs;
  const aborted = (): boolean => opts.signal?.aborted ?? false;

  for (let loop = 0; loop < passes && !aborted(); loop++) {
    const t = loopTransform(span, factors, loop, planOpts);
    let i = 0;
    while (i < records.length && !aborted()) {
      const now = deps.now();
      const batch: ReplayRecord[] = [];
      while (
        i < records.length &&
        batch.length < batchSize &&
        dueAtMs(times[i] + t.shiftMs, origin, wallStart, speed) <= now
      ) {
        batch.push(transformRecord(records[i], t));
        i++;
      }
      if (batch.length > 0) {
        await deps.send(batch);
        stats.sent += batch.length;
        stats.batches++;
        for (const r of batch) stats.perTopic[r.topic] = (stats.perTopic[r.topic] ?? 0) + 1;
        opts.onProgress?.(stats);
      } else {
        const wait = dueAtMs(times[i] + t.shiftMs, origin, wallStart, speed) - now + lingerMs;
        await deps.sleep(Math.min(MAX_SLEEP_MS, Math.max(1, wait)), opts.signal);
      }
    }
    if (i === records.length) stats.loopsCompleted++;
  }
  return stats;
}

export function toTopicMessages(batch: readonly ReplayRecord[], topicPrefix = ''): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of batch) {
    const topic = `${topicPrefix}${r.topic}`;
    const value = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
    const messages = byTopic.get(topic) ?? [];
    messages.push({ key: r.key, value });
    byTopic.set(topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    // An abort ends the wait early; runReplay sees the signal and stops.
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  }
}

export async function replayStream(opts: ReplayOptions): Promise<ReplayStats> {
  const records =
    opts.records ?? (opts.file ? parseStreamJsonl(readFileSync(opts.file, 'utf8')) : undefined);
  if (!records) throw new Error('replayStream needs a file or records');
  const prefix = opts.topicPrefix ?? '';
  const brokers = opts.brokers ?? brokersFromEnv();
  if (opts.createTopics) {
    const topics = [...new Set(records.map((r) => `${prefix}${r.topic}`))];
    await ensureTopics(brokers, topics, opts.partitions);
  }
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'risk-replay',
    brokers,
    logLevel: logLevel.WARN,
  });
  // Idempotent with one request in flight: retries neither duplicate nor reorder a key's messages.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    return await runReplay(records, opts, {
      send: async (batch) => {
        await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(batch, prefix) });
      },
      now: () => Date.now(),
      sleep: sleepUnlessAborted,
    });
  } finally {
    await producer.disconnect();
  }
}

const USAGE = `usage: replay --file FILE [--speed X] [--loop | --loops N] [--rebase-time] [--run-tag TAG]
  [--topic-prefix P] [--batch-size N] [--linger-ms MS] [--create-topics] [--partitions N] [--no-continue-prices]
Brokers from KAFKA_BROKERS (default 127.0.0.1:9092). Ctrl-C stops cleanly.`;

export function parseReplayArgs(argv: string[]): ReplayOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string' },
      speed: { type: 'string' },
      loop: { type: 'boolean' },
      loops: { type: 'string' },
      'rebase-time': { type: 'boolean' },
      'run-tag': { type: 'string' },
      'topic-prefix': { type: 'string' },
      'batch-size': { type: 'string' },
      'linger-ms': { type: 'string' },
      'create-topics': { type: 'boolean' },
      partitions: { type: 'string' },
      'no-continue-prices': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const loops = numberOption(values.loops, 'loops');
  return {
    file: values.file,
    speed: numberOption(values.speed, 'speed'),
    loop: values.loop ? true : loops,
    rebaseTime: values['rebase-time'] ?? false,
    runTag: values['run-tag'],
    topicPrefix: values['topic-prefix'],
    batchSize: numberOption(values['batch-size'], 'batch-size'),
    lingerMs: numberOption(values['linger-ms'], 'linger-ms'),
    createTopics: values['create-topics'] ?? false,
    partitions: numberOption(values.partitions, 'partitions'),
    continuePrices: !values['no-continue-prices'],
    help: values.help ?? false,
  };
}

async function main(): Promise<void> {
  const { help, ...opts } = parseReplayArgs(process.argv.slice(2));
  if (help || !opts.file) {
    process.stdout.write(`${USAGE}\n`);
    if (!help) process.exitCode = 2;
    return;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  let lastReport = 0;
  const stats = await replayStream({
    ...opts,
    signal: controller.signal,
    onProgress: (s) => {
      if (Date.now() - lastReport < 5000) return;
      lastReport = Date.now();
      process.stderr.write(
        `replay: ${s.sent} sent in ${s.batches} batches, ${s.loopsCompleted} passes done\n`,
      );
    },
  });
  process.stderr.write(`${JSON.stringify({ done: true, ...stats })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
