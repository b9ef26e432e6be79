import { Inject, Injectable } from '@nestjs/common';
import type { TopicNames } from '@risk/contracts';
import { TOPICS, partitionForKey } from '@risk/platform';
import { TopicLayout } from './topic-layout';

/**
 * Which portfolios this instance owns: those whose positions partition (by portfolioId) the
 * positions group assigned to it (docs/architecture.md § Rebalances).
 */
@Injectable()
export class PartitionOwnership {
  ownedPartitions = new Set<number>();

  constructor(
    @Inject(TOPICS) private readonly topics: TopicNames,
    private readonly layout: TopicLayout,
  ) {}

  owns(portfolioId: string): boolean {
    return this.ownedPartitions.has(this.partitionOf(portfolioId));
  }

  partitionOf(portfolioId: string): number {
    return partitionForKey(this.topics.positions, portfolioId, this.layout.positionsPartitions);
  }
}
