import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { OUTBOX_STORE, type OutboxStore } from '@risk/persistence';
import { APP_CONFIG, KAFKA, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { OutboxRelayService } from './outbox-relay.service';

/** What the engine and the relay's worker thread say to each other. */
export type RelayThreadMessage =
  | { type: 'kick' }
  | { type: 'stop' }
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'lock'; held: boolean }
  | {
      type: 'log';
      level: 'log' | 'error' | 'warn' | 'debug' | 'verbose';
      args: unknown[];
      context?: string;
    }
  | { type: 'metric'; name: 'outboxPending'; value: number }
  | { type: 'metric'; name: 'stageSeconds'; labels: { stage: string }; value: number };

/** A relay thread that stopped by itself is started again after this long. */
const RESTART_MS = 1000;
/** The relay thread's young generation (V8's default for a 64-bit process is 16–32 MB). */
const RELAY_YOUNG_GENERATION_MB = 16;
/** How long shutdown waits for the thread to finish its batch and close. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * The engine's outbox relay: `OutboxRelayService` on a worker thread of its own
 * (OUTBOX_RELAY_THREAD=true, the default), or in this thread. The thread has its own
 * PostgreSQL pool and Kafka producer and the same exactly-once protocol (the advisory lock, the
 * numbering, the recovery from Kafka); the engine wakes it after each commit, as it woke the
 * relay in process. In process when the setting is off, and when a test gives the relay an
 * outbox store of its own (OUTBOX_STORE).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelay.name);
  private readonly inProcess?: OutboxRelayService;
  private worker?: Worker;
  private stopping = false;
  private lockHeld = false;
  private restartTimer?: NodeJS.Timeout;
  private stopped?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(DataSource) ds: DataSource,
    @Optional() @Inject(OUTBOX_STORE) store?: OutboxStore,
  ) {
    if (!cfg.outboxRelayThread || store)
      this.inProcess = new OutboxRelayService(cfg, kafka, metrics, ds, store);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.inProcess) return this.inProcess.onApplicationBootstrap();
    await this.start();
    this.log.log('outbox relay running on a worker thread');
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.inProcess) return this.inProcess.onApplicationShutdown();
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const w = this.worker;
    if (!w) return;
    w.postMessage({ type: 'stop' } satisfies RelayThreadMessage);
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
    );
    if ((await Promise.race([this.stopped, timeout])) === 'timeout')
      this.log.warn('outbox relay thread did not stop in time; terminating it');
    await w.terminate();
  }

  /** Called after a commit that wrote to the outbox: publish now rather than at the next poll. */
  kick(): void {
    if (this.inProcess) this.inProcess.kick();
    else this.worker?.postMessage({ type: 'kick' } satisfies RelayThreadMessage);
  }

  /** True while this relay holds the outbox lock with a live session. */
  get holdsLock(): boolean {
    return this.inProcess ? this.inProcess.holdsLock : this.lockHeld;
  }

  /** Starts the thread; resolves once it publishes (or rejects if it could not start). */
  private start(): Promise<void> {
    // Compiled, the worker is the .js beside this file; from sources (ts-node, Jest) the .ts,
    // loaded through ts-node and the path aliases as the engine itself is.
    const ext = extname(__filename);
    const fromSources = ext === '.ts' && !process.execArgv.some((a) => a.includes('ts-node'));
    const w = new Worker(join(__dirname, `outbox-relay.worker${ext}`), {
      workerData: { cfg: this.cfg },
      // The engine's 64 MB semi-spaces (docs/operations.md § Node flags) are for its evaluations'
      // garbage; the relay's is little more than the payload strings of a batch.
      resourceLimits: { maxYoungGenerationSizeMb: RELAY_YOUNG_GENERATION_MB },
      ...(fromSources
        ? {
            execArgv: [
              ...process.execArgv,
              '-r',
              'ts-node/register/transpile-only',
              '-r',
              'tsconfig-paths/register',
            ],
          }
        : {}),
    });
    this.worker = w;
    let markStopped!: () => void;
    this.stopped = new Promise<void>((resolve) => (markStopped = resolve));
    const started = new Promise<void>((resolve, reject) => {
      w.on('message', (m: RelayThreadMessage) => {
        if (m.type === 'started') resolve();
        else if (m.type === 'stopped') markStopped();
        else this.onMessage(m);
      });
      w.on('error', (e) => {
        this.log.error({ err: e }, 'outbox relay thread failed');
        reject(e);
      });
      w.on('exit', (code) => {
        markStopped();
        this.lockHeld = false;
        if (this.worker === w) this.worker = undefined;
        reject(new Error(`outbox relay thread exited with code ${code} before it started`));
        if (this.stopping) return;
        // What it sent but did not mark is found in Kafka by the next one (its recovery).
        this.log.error(`outbox relay thread exited (code ${code}); starting it again`);
        this.restartTimer = setTimeout(() => {
          this.start().catch((e: unknown) =>
            this.log.error({ err: e }, 'outbox relay thread did not start'),
          );
        }, RESTART_MS);
      });
    });
    return started;
  }

  private onMessage(m: RelayThreadMessage): void {
    if (m.type === 'lock') this.lockHeld = m.held;
    else if (m.type === 'metric') {
      if (m.name === 'outboxPending') this.metrics.outboxPending.set(m.value);
      else this.metrics.stageSeconds.observe(m.labels, m.value);
    } else if (m.type === 'log') {
      const logger = m.context ? new Logger(m.context) : this.log;
      const [first, ...rest] = m.args;
      (logger[m.level] as (message: unknown, ...optional: unknown[]) => void).call(
        logger,
        first,
        ...rest,
      );
    }
  }
}
