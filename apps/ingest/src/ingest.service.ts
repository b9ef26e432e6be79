import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  buildDeadLetter,
  decodeInput,
  decodeReference,
  decodeTickFast,
  type Decoded,
  type InputKind,
  type ReferenceChange,
  type ReferenceKind,
  type TopicNames,
} from '@risk/contracts';
import { ReferenceStore } from '@risk/persistence';
import {
  APP_CONFIG,
  CLOCK,
  KAFKA,
  METRICS,
  TOPICS,
  groupIds,
  outputCompression,
  sendDeadLetters,
  trackConsumerLag,
  type AppConfig,
  type Clock,
  type ServiceMetrics,
} from '@risk/platform';

/**
 * Validates every input message against the contract and dead-letters what cannot be used.
 * Reference data (instruments, relations) is also written to PostgreSQL here. Offsets are
 * committed only after a batch's rows are committed and its dead letters acknowledged by Kafka.
 */
@Injectable()
export class IngestService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly log = new Logger(IngestService.name);
  private consumer?: Consumer;
  private producer?: Producer;
  private readonly kinds: Map<string, InputKind | ReferenceKind>;
  private readonly reference: ReferenceStore;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(TOPICS) private readonly topics: TopicNames,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DataSource) ds: DataSource,
  ) {
    this.kinds = new Map<string, InputKind | ReferenceKind>([
      [topics.ticks, 'tick'],
      [topics.news, 'news'],
      [topics.positions, 'positions'],
      [topics.instruments, 'instrument'],
      [topics.relations, 'relation'],
    ]);
    this.reference = new ReferenceStore(ds);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: groupIds(this.cfg).ingest,
      // As the engine's tick consumer: large fetches when behind (fewer batches, so fewer
      // round trips and offset commits), a short wait when caught up.
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 << 20,
      maxBytes: 16 << 20,
    });
    trackConsumerLag(this.consumer, this.metrics, groupIds(this.cfg).ingest);
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.kinds.keys()], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (p) => this.handleBatch(p) });
    this.log.log(
      `validating ${[...this.kinds.keys()].join(', ')} → dead letters to ${this.topics.dlq}`,
    );
  }

  /** Stop fetching; the batch in hand finishes (its dead letters sent, its offsets committed). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer?.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const kind = this.kinds.get(batch.topic);
    if (!kind) return;
    const letters: string[] = [];
    let valid = 0;
    const clock = { nowMs: this.clock.now().getTime(), maxClockSkewMs: this.cfg.maxClockSkewMs };
    const changes: ReferenceChange[] = [];
    for (const m of batch.messages) {
      let r: Decoded<unknown>;
      if (kind === 'instrument' || kind === 'relation') {
        const change = decodeReference(kind, m.key, m.value, {
          now: new Date(clock.nowMs),
          maxSkewMs: clock.maxClockSkewMs,
        });
        if (change.ok) changes.push(change.value);
        r = change;
      } else {
        r =
          kind === 'tick'
            ? decodeTickFast(m.key, m.value, clock)
            : decodeInput(kind, m.key, m.value, clock);
      }
      if (r.ok) {
        valid++;
        continue;
      }
      const letter = buildDeadLetter({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        error: r.error,
        now: this.clock.now(),
      });
      letters.push(JSON.stringify(letter));
      this.metrics.deadLetters.inc({ kind, code: r.error.code });
      this.log.warn(
        { topic: batch.topic, offset: m.offset, code: r.error.code },
        `dead letter: ${r.error.message}`,
      );
    }
    if (changes.length > 0) await this.reference.apply(changes);
    if (letters.length > 0) {
      // Keyed by the source partition so a replayed batch lands its letters in the same order.
      await sendDeadLetters(
        this.producer!,
        this.topics.dlq,
        letters.map((value) => ({ key: `${batch.topic}:${batch.partition}`, value })),
        { compression: outputCompression(this.cfg.kafkaOutputCompression) },
      );
    }
    this.metrics.messages.inc({ kind, outcome: 'valid' }, valid);
    this.metrics.messages.inc({ kind, outcome: 'dead_letter' }, letters.length);
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      payload.resolveOffset(last.offset);
      await this.consumer!.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(last.offset) + 1n).toString(),
        },
      ]);
    }
    await payload.heartbeat();
    await payload.commitOffsetsIfNecessary();
  }
}
