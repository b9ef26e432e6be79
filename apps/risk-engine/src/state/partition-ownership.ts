import { Inject, Injectable } from '@nestjs/common';
import type { TopicNames } from '@risk/contracts';
import { EngineCore } from '@risk/engine';
import { TOPICS, owningPartition } from '@risk/platform';
import { TopicLayout } from './topic-layout';

/**
 * Which portfolios this instance owns: those whose positions partition the positions group
 * assigned to it (docs/architecture.md § Rebalances). A portfolio's partition is the one its
 * latest snapshot arrived on, whichever partitioner the producer used (`owningPartition`).
 */
@Injectable()
export class PartitionOwnership {
  ownedPartitions = new Set<number>();

  constructor(
    @Inject(TOPICS) private readonly topics: TopicNames,
    private readonly layout: TopicLayout,
    private readonly core: EngineCore,
  ) {}

  /** `arrivedOn`: where its snapshot arrived, for a portfolio not (yet) in the core. */
  owns(portfolioId: string, arrivedOn?: number | null): boolean {
    return this.ownedPartitions.has(this.partitionOf(portfolioId, arrivedOn));
  }

  partitionOf(
    portfolioId: string,
    arrivedOn = this.core.portfolios.get(portfolioId)?.snapshot.sourcePartition,
  ): number {
    return owningPartition(
      this.topics.positions,
      portfolioId,
      arrivedOn,
      this.layout.positionsPartitions,
    );
  }
}
