import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { OutboxRepository, type PendingOutboxMessage } from '@risk/persistence';
import { APP_CONFIG, KAFKA, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';

export const OUTBOX_ID_HEADER = 'outbox-id';

/**
 * Publishes the transactional outbox to Kafka, exactly once. One relay holds a PostgreSQL
 * advisory lock and publishes each partition's messages in outbox-id order with an idempotent
 * producer, each stamped with its outbox id. After a crash between "sent" and "marked", the
 * relay reads the last message of each pending partition and marks everything up to its outbox
 * id as published before sending anything, so nothing is published twice.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelayService.name);
  private readonly repo: OutboxRepository;
  private producer?: Producer;
  private release: (() => Promise<void>) | null = null;
  private wake?: () => void;
  private running = false;
  private loop?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(DataSource) ds: DataSource,
  ) {
    this.repo = new OutboxRepository(ds);
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
        if (!this.release) {
          this.release = await this.repo.acquireRelayLock();
          if (!this.release) {
            await this.sleep(2000);
            continue;
          }
          await this.recover();
        }
        const sent = await this.publishBatch();
        this.metrics.outboxPending.set(await this.repo.countPending());
        if (sent < this.cfg.outboxBatch) await this.sleep(this.cfg.outboxPollMs);
      } catch (e) {
        this.log.error({ err: e }, 'outbox relay failed; retrying');
        await this.sleep(1000);
      }
    }
    await this.release?.();
    this.release = null;
  }

  /** Publishes up to one batch; returns how many messages were sent. */
  async publishBatch(): Promise<number> {
    const pending = await this.repo.pending(this.cfg.outboxBatch);
    if (pending.length === 0) return 0;
    const byTopic = new Map<string, PendingOutboxMessage[]>();
    for (const m of pending) {
      const list = byTopic.get(m.topic) ?? [];
      list.push(m);
      byTopic.set(m.topic, list);
    }
    const started = performance.now();
    await this.producer!.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({
        topic,
        messages: msgs.map((m) => ({
          key: m.key,
          value: m.payload,
          partition: m.partition,
          headers: { [OUTBOX_ID_HEADER]: m.id },
        })),
      })),
    });
    await this.repo.markPublished(pending.map((m) => m.id));
    this.metrics.stageSeconds.observe(
      { stage: 'outbox_publish' },
      (performance.now() - started) / 1000,
    );
    return pending.length;
  }

  /** Marks as published what a previous relay sent but did not mark before it died. */
  private async recover(): Promise<void> {
    const partitions = await this.repo.pendingPartitions();
    if (partitions.length === 0) return;
    const last = await this.lastOutboxIds(partitions);
    let marked = 0;
    for (const p of partitions) {
      const id = last.get(`${p.topic}:${p.partition}`);
      if (id) marked += await this.repo.markPublishedUpTo(p.topic, p.partition, id);
    }
    this.log.log(
      `outbox recovery: ${partitions.length} pending partitions checked, ${marked} messages already in Kafka`,
    );
  }

  /** The outbox id of the last message in each of `partitions`, read back from Kafka. */
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
