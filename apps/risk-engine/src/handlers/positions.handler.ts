import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EachMessagePayload } from 'kafkajs';
import { decodeInput } from '@risk/contracts';
import { PositionsProgress, nextOffset } from '@risk/engine';
import { METRICS, type ServiceMetrics } from '@risk/platform';
import { EngineConsumers } from '../kafka/engine-consumers';
import { InputClock } from '../ports/input-clock';
import { AdoptPartitionsUseCase } from '../use-cases/adopt-partitions.use-case';
import { ApplySnapshotUseCase } from '../use-cases/apply-snapshot.use-case';
import { DeadLetterUnstorableUseCase } from '../use-cases/dead-letter-unstorable.use-case';
import { ReplayNewsUseCase } from '../use-cases/replay-news.use-case';

/** Positions: decode, apply the snapshot, commit its offset once the snapshot is durable. */
@Injectable()
export class PositionsHandler {
  private readonly log = new Logger(PositionsHandler.name);

  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly consumers: EngineConsumers,
    private readonly progress: PositionsProgress,
    private readonly clock: InputClock,
    private readonly applySnapshot: ApplySnapshotUseCase,
    private readonly unstorable: DeadLetterUnstorableUseCase,
    private readonly adoptPartitions: AdoptPartitionsUseCase,
    private readonly replayNews: ReplayNewsUseCase,
  ) {}

  async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const r = decodeInput('positions', message.key, message.value, this.clock.decodeClock());
    if (r.ok) {
      this.metrics.messages.inc({ kind: 'positions', outcome: 'applied' });
      await this.unstorable.execute(() => this.applySnapshot.execute(r.value, topic, partition), {
        kind: 'positions',
        topic,
        partition,
        message,
      });
    } else {
      // Ingest dead-letters it; the engine only skips it.
      this.metrics.messages.inc({ kind: 'positions', outcome: 'invalid' });
    }
    const offset = nextOffset(message.offset);
    this.progress.applied(partition, offset);
    await this.consumers.positions.commitOffsets([{ topic, partition, offset }]);
  }

  /** The positions group assigned `partitions` to this instance (a rebalance). */
  onAssignment(partitions: number[]): void {
    void this.adoptPartitions
      .execute(partitions)
      .then((gained) => this.replayNews.execute(gained))
      .catch((err: unknown) => this.log.error({ err }, 'adopting positions partitions failed'));
  }
}
