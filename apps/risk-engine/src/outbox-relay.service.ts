import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CompressionTypes, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
// Deep imports: this file is also the relay thread's (outbox-relay.worker.ts), which loads only
// what the relay needs, not the libraries' whole index.
import { sendBudget, splitIntoSends } from '@risk/persistence/outbox-batches';
import {
  OUTBOX_STORE,
  OutboxRepository,
  type OutboxStore,
  type PendingOutboxMessage,
  type RelayLease,
} from '@risk/persistence/outbox.repository';
import { APP_CONFIG, type AppConfig } from '@risk/platform/app-config';
import { KAFKA, outputCompression } from '@risk/platform/kafka';
import { METRICS } from '@risk/platform/metrics';

export const OUTBOX_ID_HEADER = 'outbox-id';

/** The pending gauge is counted at most this often while the relay is busy. */
const PENDING_COUNT_MS = 1000;

/** The metrics the relay keeps (its thread forwards them to the engine's registry). */
export interface RelayMetrics {
  outboxPending: { set(value: number): void };
  stageSeconds: { observe(labels: { stage: string }, value: number): void };
}

/**
 * Publishes the transactional outbox to Kafka, exactly once. One relay holds a PostgreSQL
 * advisory lock; before each batch it checks that the lock's session is alive (else it stops
 * publishing and competes for the lock again), numbers the committed rows it is about to send in
 * `relay_seq` through that session, and publishes each partition's rows in that order with an
 * idempotent producer, each stamped with its outbox id, in sends that keep every partition's
 * record batch under the broker's size limit, compressed with `KAFKA_OUTPUT_COMPRESSION=gzip` (zlib works on libuv's thread
 * pool, and kafkajs's CRC32C covers the smaller bytes; default none).
 * After anything failed between "sent" and
 * "marked" (a crash, a failed mark, a lost lock), the relay reads the last message of each
 * partition with numbered pending rows and marks those rows up to its relay_seq as published
 * before sending anything, so nothing is published twice and no row is marked unsent.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelayService.name);
  private readonly repo: OutboxStore;
  private readonly compression: CompressionTypes;
  private producer?: Producer;
  private lease: RelayLease | null = null;
  /** False until the holder has reconciled the outbox with Kafka (after taking the lock, after a failure). */
  private reconciled = false;
  private wake?: () => void;
  private running = false;
  private loop?: Promise<void>;
  private countedAt = -Infinity;
  private lastPending = -1;
  /** Told when this relay takes or loses the outbox lock (its thread tells the engine). */
  onLockChange?: (held: boolean) => void;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(METRICS) private readonly metrics: RelayMetrics,
    @Inject(DataSource) ds: DataSource,
    @Optional() @Inject(OUTBOX_STORE) store?: OutboxStore,
  ) {
    this.repo = store ?? new OutboxRepository(ds);
    this.compression = outputCompression(cfg.kafkaOutputCompression);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.producer?.disconnect();
  }

  /** Called after a commit that wrote to the outbox: publish now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** True while this relay holds the lock with a live session (the one relay that publishes). */
  get holdsLock(): boolean {
    return this.lease !== null;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.lease && !(await this.lease.alive())) {
          this.log.warn(
            'outbox relay lost its lock session; it publishes nothing until it holds the lock again',
          );
          await this.dropLease();
        }
        if (!this.lease) {
          this.lease = await this.repo.acquireRelayLock();
          if (!this.lease) {
            await this.sleep(2000);
            continue;
          }
          this.onLockChange?.(true);
          this.reconciled = false;
        }
        if (!this.reconciled) {
          await this.recover();
          this.reconciled = true;
        }
        const sent = await this.publishBatch(this.lease);
        await this.countPending(sent);
        if (sent < this.cfg.outboxBatch) await this.sleep(this.cfg.outboxPollMs);
      } catch (e) {
        // What was sent but not marked is found in Kafka before the next send.
        this.reconciled = false;
        this.log.error({ err: e }, 'outbox relay failed; retrying');
        await this.sleep(1000);
      }
    }
    await this.dropLease();
  }

  /**
   * The pending gauge, counted at most every PENDING_COUNT_MS while the relay is busy (the count
   * was ~0.8 ms of PostgreSQL per batch at desk scale), at once when it found nothing to send
   * and the last count was not 0.
   */
  private async countPending(sent: number): Promise<void> {
    const now = performance.now();
    if (now - this.countedAt < PENDING_COUNT_MS && !(sent === 0 && this.lastPending !== 0)) return;
    this.lastPending = await this.repo.countPending();
    this.countedAt = now;
    this.metrics.outboxPending.set(this.lastPending);
  }

  private async dropLease(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    if (lease) this.onLockChange?.(false);
    await lease?.release();
  }

  /** Publishes up to one batch; returns how many messages were sent. */
  private async publishBatch(lease: RelayLease): Promise<number> {
    await lease.number(this.cfg.outboxBatch);
    const pending = await this.repo.pending(this.cfg.outboxBatch);
    if (pending.length === 0) return 0;
    const started = performance.now();
    const sends = splitIntoSends(
      pending.map((m) => ({ ...m, headers: { [OUTBOX_ID_HEADER]: m.id } })),
      sendBudget(this.cfg.outboxMaxBatchBytes, this.cfg.kafkaOutputCompression),
    );
    for (const send of sends) {
      // Another relay may hold the lock once this session is gone: send nothing more then.
      if (!(await lease.alive())) throw new Error('outbox relay lock session lost');
      await this.producer!.sendBatch({
        acks: -1,
        compression: this.compression,
        topicMessages: byTopic(send),
      });
      await this.repo.markPublished(send.map((m) => m.id));
    }
    this.metrics.stageSeconds.observe(
      { stage: 'outbox_publish' },
      (performance.now() - started) / 1000,
    );
    return pending.length;
  }

  /** Marks as published what a relay sent but did not mark (it died, or its mark failed). */
  private async recover(): Promise<void> {
    const partitions = await this.repo.pendingPartitions();
    if (partitions.length === 0) return;
    const last = await this.lastOutboxIds(partitions);
    let marked = 0;
    for (const p of partitions) {
      const id = last.get(`${p.topic}:${p.partition}`);
      if (id) marked += await this.repo.markPublishedThrough(p.topic, p.partition, id);
    }
    this.log.log(
      `outbox recovery: ${partitions.length} pending partitions checked, ${marked} messages already in Kafka`,
    );
  }

  /**
   * The outbox id of the last message in each of `partitions`, read back from Kafka. A
   * compressed batch comes back whole and kafkajs decompresses it (gzip natively, the other
   * codecs through kafka-codecs.ts), skipping the records before the offset sought, so whatever
   * codec a relay published with, this finds the last message's header.
   */
  private async lastOutboxIds(
    partitions: { topic: string; partition: number }[],
  ): Promise<Map<string, string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    const wanted = new Map<string, string>(); // "topic:partition" → offset of its last message
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const groupId = `risk-outbox-probe-${randomUUID()}`;
    try {
      for (const topic of topics) {
        for (const o of await admin.fetchTopicOffsets(topic)) {
          const high = BigInt(o.high);
          const low = BigInt(o.low);
          if (
            high > low &&
            partitions.some((p) => p.topic === topic && p.partition === o.partition)
          ) {
            wanted.set(`${topic}:${o.partition}`, (high - 1n).toString());
          }
        }
      }
      const found = new Map<string, string>();
      if (wanted.size === 0) return found;
      const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics, fromBeginning: false });
        let finish!: () => void;
        const done = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('timed out reading the last outbox messages')),
            30_000,
          );
          finish = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const key = `${topic}:${partition}`;
            if (wanted.get(key) !== message.offset) return;
            const header = message.headers?.[OUTBOX_ID_HEADER];
            if (header) found.set(key, header.toString());
            wanted.delete(key);
            if (wanted.size === 0) finish();
          },
        });
        for (const [key, offset] of wanted) {
          const i = key.lastIndexOf(':');
          consumer.seek({ topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset });
        }
        await done;
      } finally {
        await consumer.disconnect();
      }
      return found;
    } finally {
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }
}

function byTopic(
  messages: readonly (PendingOutboxMessage & { headers: Record<string, string> })[],
): {
  topic: string;
  messages: { key: string; value: string; partition: number; headers: Record<string, string> }[];
}[] {
  const topics = new Map<string, (typeof messages)[number][]>();
  for (const m of messages) {
    const list = topics.get(m.topic) ?? [];
    list.push(m);
    topics.set(m.topic, list);
  }
  return [...topics].map(([topic, list]) => ({
    topic,
    messages: list.map((m) => ({
      key: m.key,
      value: m.payload,
      partition: m.partition,
      headers: m.headers,
    })),
  }));
}
