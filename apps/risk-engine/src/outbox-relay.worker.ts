/**
 * The outbox relay's worker thread (OUTBOX_RELAY_THREAD, default on): the same
 * `OutboxRelayService` as in process, with its own PostgreSQL pool and Kafka producer, so that
 * reading the outbox back, encoding record batches and their CRC32C run beside the engine's
 * main thread instead of on it (bench:scale: ~9% of that thread at 500 portfolios).
 *
 * Messages from the engine: `kick` (a commit wrote to the outbox), `stop`. To the engine:
 * `log`, `metric` (the relay's gauge and stage histogram, kept in the engine's registry),
 * `lock` (whether this relay holds the outbox lock), `started`, `stopped`.
 */
import { Logger, type LoggerService } from '@nestjs/common';
import { parentPort, workerData } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@risk/platform/app-config';
import { createKafka } from '@risk/platform/kafka';
import { OutboxRelayService, type RelayMetrics } from './outbox-relay.service';
import type { RelayThreadMessage } from './outbox-relay.thread';

const port = parentPort;
if (!port) throw new Error('outbox-relay.worker runs as a worker thread');
const post = (m: RelayThreadMessage): void => port.postMessage(m);

type Level = Extract<RelayThreadMessage, { type: 'log' }>['level'];

/** A log line to the engine's logger; what cannot be cloned goes as its message and stack. */
function postLog(level: Level, args: unknown[], context?: string): void {
  try {
    post({ type: 'log', level, args, context });
  } catch {
    const errorAsPlain = (_k: string, v: unknown): unknown =>
      v instanceof Error ? { message: v.message, stack: v.stack } : v;
    const plain = args.map((a): unknown => {
      if (typeof a !== 'object' || a === null) return a;
      try {
        return (JSON.parse(JSON.stringify({ a }, errorAsPlain)) as { a: unknown }).a;
      } catch {
        return a instanceof Error ? a.message : Object.prototype.toString.call(a);
      }
    });
    post({ type: 'log', level, args: plain, context });
  }
}

/**
 * Nest's Logger passes its context as the last argument: it travels as `context`, so that the
 * engine's logger names the relay as it would in process.
 */
const forward =
  (level: Level) =>
  (message: unknown, ...optional: unknown[]): void => {
    const last = optional.at(-1);
    if (typeof last === 'string') postLog(level, [message, ...optional.slice(0, -1)], last);
    else postLog(level, [message, ...optional]);
  };
const forwarded: LoggerService = {
  log: forward('log'),
  error: forward('error'),
  warn: forward('warn'),
  debug: forward('debug'),
  verbose: forward('verbose'),
};
Logger.overrideLogger(forwarded);

const kafkaLog =
  (level: Level) =>
  (obj: unknown, msg?: string): void =>
    postLog(level, [obj, msg], 'Kafka');
const kafkaLogger: Parameters<typeof createKafka>[1] = {
  debug: kafkaLog('debug'),
  warn: kafkaLog('warn'),
  error: kafkaLog('error'),
};

const metrics: RelayMetrics = {
  outboxPending: { set: (value: number) => post({ type: 'metric', name: 'outboxPending', value }) },
  stageSeconds: {
    observe: (labels: { stage: string }, value: number) =>
      post({ type: 'metric', name: 'stageSeconds', labels, value }),
  },
};

async function main(): Promise<void> {
  const cfg = (workerData as { cfg: AppConfig }).cfg;
  // Raw statements only (OutboxRepository): no entities, no migrations (the engine ran them).
  const ds = new DataSource({
    type: 'postgres',
    url: cfg.databaseUrl,
    // The relay's statements one at a time, and its lock's session.
    extra: { max: 3 },
  });
  await ds.initialize();
  const relay = new OutboxRelayService(cfg, createKafka(cfg, kafkaLogger), metrics, ds);
  relay.onLockChange = (held) => post({ type: 'lock', held });
  await relay.onApplicationBootstrap();
  port!.on('message', (m: RelayThreadMessage) => {
    if (m.type === 'kick') relay.kick();
    else if (m.type === 'stop')
      void (async () => {
        await relay.onApplicationShutdown();
        await ds.destroy();
        post({ type: 'stopped' });
        port!.close();
      })();
  });
  post({ type: 'started' });
}

main().catch((e: unknown) => {
  postLog('error', [{ err: e }, 'outbox relay thread failed to start'], 'OutboxRelay');
  process.exit(1);
});
