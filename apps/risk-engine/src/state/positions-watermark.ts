import { Inject, Injectable } from '@nestjs/common';
import type { TopicNames } from '@risk/contracts';
import { PositionsProgress } from '@risk/engine';
import { TOPICS } from '@risk/platform';
import { EngineConsumers } from '../kafka/engine-consumers';
import { PartitionOwnership } from './partition-ownership';
import { StopSignal } from './stop-signal';

/** How far the positions of the owned partitions are applied, read from Kafka. */
@Injectable()
export class PositionsWatermark {
  constructor(
    @Inject(TOPICS) private readonly topics: TopicNames,
    private readonly kafka: EngineConsumers,
    private readonly ownership: PartitionOwnership,
    private readonly progress: PositionsProgress,
    private readonly stop: StopSignal,
  ) {}

  /**
   * Per partition of `partitions` (all owned when omitted), the offset below which every
   * positions message is applied to PostgreSQL: the group's committed offset (committed only
   * after the snapshot's transaction), or the log start when there is none.
   */
  async committedPositions(partitions?: number[]): Promise<Record<number, string>> {
    const topic = this.topics.positions;
    const [committed, ends] = await Promise.all([
      this.kafka.admin.fetchOffsets({ groupId: this.kafka.groups.positions, topics: [topic] }),
      this.kafka.admin.fetchTopicOffsets(topic),
    ]);
    const low = new Map(ends.map((e) => [e.partition, BigInt(e.low)]));
    const wanted = new Set(partitions ?? this.ownership.ownedPartitions);
    const out: Record<number, string> = {};
    for (const { partition, offset } of committed[0]?.partitions ?? []) {
      if (!wanted.has(partition)) continue;
      const c = BigInt(offset);
      const l = low.get(partition) ?? 0n;
      out[partition] = (c > l ? c : l).toString();
    }
    for (const p of wanted) out[p] ??= (low.get(p) ?? 0n).toString();
    return out;
  }

  /**
   * Waits until every positions snapshot published before now, on the partitions this instance
   * owns, is applied (and the first assignment adopted): news evaluated earlier would miss the
   * holders whose snapshot is still in the backlog and be committed without their evaluation.
   * False when the service stops first (the item is then left uncommitted, for redelivery).
   */
  async caughtUp(heartbeat: () => Promise<void>): Promise<boolean> {
    const ends = Object.fromEntries(
      (await this.kafka.admin.fetchTopicOffsets(this.topics.positions)).map((e) => [
        e.partition,
        e.high,
      ]),
    );
    const reached = this.progress.waitFor(ends).then(() => true);
    for (;;) {
      const r = await Promise.race([
        reached,
        this.stop.stopped.then(() => false),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref()),
      ]);
      if (r !== null) return r;
      await heartbeat();
      // A commit this instance (or a previous owner) made may not have been seen: offsets the
      // group committed are applied.
      if (this.ownership.ownedPartitions.size > 0)
        for (const [p, o] of Object.entries(await this.committedPositions()))
          this.progress.applied(Number(p), o);
    }
  }
}
