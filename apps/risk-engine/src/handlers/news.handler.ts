import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { decodeInput } from '@risk/contracts';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { EngineConsumers } from '../kafka/engine-consumers';
import { InputClock } from '../ports/input-clock';
import { InOrderOffsets } from '../state/in-order-offsets';
import { StopSignal } from '../state/stop-signal';
import { DeadLetterUnstorableUseCase } from '../use-cases/dead-letter-unstorable.use-case';
import { EvaluateNewsUseCase } from '../use-cases/evaluate-news.use-case';

/** A partition's messages being worked on in this assignment, and its offset commits in order. */
interface PartitionWork {
  offsets: InOrderOffsets;
  commits: Promise<void>;
}

/** Backoff after a story's work failed (PostgreSQL or Kafka down): it is tried again. */
const RETRY_MS = [200, 500, 1000, 2000, 5000];

/**
 * News: decode, evaluate for the holders, commit the offset once their evaluations are durable.
 * A batch only starts its stories (at most NEWS_CONCURRENCY at once, on any partitions) and
 * returns, so Kafka fetches the next stories while they run: kafkajs fetches again only after
 * every batch handed out is handled, and a story waited for a long one on another partition
 * (bench:scale: ~120 ms on average at 500 portfolios, more than a second behind a story held by
 * 200 portfolios). Offsets commit in order per partition: a story done before an earlier one
 * commits when that one is done. A story whose work fails is tried again; one left unfinished at
 * shutdown is not committed, for redelivery.
 */
@Injectable()
export class NewsHandler {
  private readonly log = new Logger(NewsHandler.name);
  /** Stories being worked on. */
  private readonly running = new Set<Promise<void>>();
  /** This assignment's work per partition (a rebalance starts afresh). */
  private partitions = new Map<number, PartitionWork>();
  private accepting = true;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly consumers: EngineConsumers,
    private readonly clock: InputClock,
    private readonly evaluateNews: EvaluateNewsUseCase,
    private readonly unstorable: DeadLetterUnstorableUseCase,
    private readonly stop: StopSignal,
  ) {}

  /** kafkajs `eachBatch`: starts the batch's stories and returns once all are started. */
  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    const beat = () => payload.heartbeat().catch(() => undefined);
    const current = () => payload.isRunning() && !payload.isStale();
    for (const message of payload.batch.messages) {
      while (this.running.size >= this.cfg.newsConcurrency) {
        await Promise.race(this.running);
        await beat();
      }
      if (!this.accepting || !current()) return;
      const work = this.workOf(partition);
      // Delivered again in this assignment: being worked on, or done, already.
      if (!work.offsets.started(message.offset)) continue;
      const p: Promise<void> = this.run(topic, partition, message, work, beat).finally(() =>
        this.running.delete(p),
      );
      this.running.add(p);
    }
  }

  /** A rebalance: stories still running commit nothing (their partitions may be another's). */
  onAssignment(): void {
    this.partitions = new Map();
  }

  /** At shutdown, before the consumer stops: no new story; those running finish or give up. */
  async drain(): Promise<void> {
    this.accepting = false;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private workOf(partition: number): PartitionWork {
    let work = this.partitions.get(partition);
    if (!work) {
      work = { offsets: new InOrderOffsets(), commits: Promise.resolve() };
      this.partitions.set(partition, work);
    }
    return work;
  }

  private async run(
    topic: string,
    partition: number,
    message: KafkaMessage,
    work: PartitionWork,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Not evaluated (the engine is stopping): left uncommitted, for redelivery.
        if (!(await this.handle(topic, partition, message, heartbeat))) return;
        break;
      } catch (e) {
        if (!this.accepting || this.stop.stopping) return;
        const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
        this.log.error(
          { topic, partition, offset: message.offset, err: e },
          `news item failed; trying again in ${wait} ms`,
        );
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    const offset = work.offsets.finished(message.offset);
    if (offset === null || this.partitions.get(partition) !== work) return;
    work.commits = work.commits
      .then(() => this.consumers.news.commitOffsets([{ topic, partition, offset }]))
      // Not committed (a rebalance, the broker away): the stories are delivered again and their
      // evaluations' claims make that a no-op.
      .catch((e: unknown) =>
        this.log.warn({ topic, partition, offset, err: e }, 'news offset not committed'),
      );
    await work.commits;
  }

  /** One story's work; false when the engine stopped before it was evaluated. */
  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    // From the record's timestamp (its producer's clock) to its handling: Kafka and the stories
    // ahead of it (bench:scale reads it).
    const delivered = Date.now() - Number(message.timestamp);
    if (Number.isFinite(delivered) && delivered >= 0)
      this.metrics.stageSeconds.observe({ stage: 'news_delivery' }, delivered / 1000);
    const r = decodeInput('news', message.key, message.value, this.clock.decodeClock());
    if (!r.ok) {
      this.metrics.messages.inc({ kind: 'news', outcome: 'invalid' });
      return true;
    }
    const evaluated = await this.unstorable.execute(
      () => this.evaluateNews.execute(r.value, topic, heartbeat),
      { kind: 'news', topic, partition, message },
    );
    return evaluated !== false;
  }
}
