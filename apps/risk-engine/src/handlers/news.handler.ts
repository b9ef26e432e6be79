import { Inject, Injectable } from '@nestjs/common';
import type { EachMessagePayload } from 'kafkajs';
import { decodeInput } from '@risk/contracts';
import { nextOffset } from '@risk/engine';
import { METRICS, type ServiceMetrics } from '@risk/platform';
import { EngineConsumers } from '../kafka/engine-consumers';
import { InputClock } from '../ports/input-clock';
import { DeadLetterUnstorableUseCase } from '../use-cases/dead-letter-unstorable.use-case';
import { EvaluateNewsUseCase } from '../use-cases/evaluate-news.use-case';

/** News: decode, evaluate for the holders, commit the offset once their evaluations are durable. */
@Injectable()
export class NewsHandler {
  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly consumers: EngineConsumers,
    private readonly clock: InputClock,
    private readonly evaluateNews: EvaluateNewsUseCase,
    private readonly unstorable: DeadLetterUnstorableUseCase,
  ) {}

  async handle(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    // From the record's timestamp (its producer's clock) to its handling: Kafka and the queue
    // of its partition (bench:scale reads it).
    const delivered = Date.now() - Number(message.timestamp);
    if (Number.isFinite(delivered) && delivered >= 0)
      this.metrics.stageSeconds.observe({ stage: 'news_delivery' }, delivered / 1000);
    const r = decodeInput('news', message.key, message.value, this.clock.decodeClock());
    if (r.ok) {
      const evaluated = await this.unstorable.execute(
        () => this.evaluateNews.execute(r.value, topic, () => payload.heartbeat()),
        { kind: 'news', topic, partition, message },
      );
      // Not evaluated (the engine is stopping): left uncommitted, for redelivery.
      if (evaluated === false) return;
    } else this.metrics.messages.inc({ kind: 'news', outcome: 'invalid' });
    await this.consumers.news.commitOffsets([
      { topic, partition, offset: nextOffset(message.offset) },
    ]);
  }
}
