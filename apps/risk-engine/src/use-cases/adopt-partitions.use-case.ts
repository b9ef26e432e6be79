import { Injectable, Logger } from '@nestjs/common';
import { EngineCore, PositionsProgress } from '@risk/engine';
import { ReasoningContexts } from '../ports/reasoning-contexts';
import { PortfolioStateRepository } from '../repositories/portfolio-state.repository';
import { EngineLock } from '../state/engine-lock';
import { PartitionOwnership } from '../state/partition-ownership';
import { PositionsWatermark } from '../state/positions-watermark';

/**
 * A rebalance gave this instance `partitions` of the positions topic: drop the portfolios it
 * no longer owns (their reasoning contexts with them), restore the owned ones from their last
 * commit and rebuild their reasoning contexts from PostgreSQL (docs/architecture.md §
 * Rebalances). Returns the partitions it did not own before (for ReplayNewsUseCase).
 */
@Injectable()
export class AdoptPartitionsUseCase {
  private readonly log = new Logger(AdoptPartitionsUseCase.name);

  constructor(
    private readonly core: EngineCore,
    private readonly lock: EngineLock,
    private readonly ownership: PartitionOwnership,
    private readonly watermark: PositionsWatermark,
    private readonly progress: PositionsProgress,
    private readonly portfolios: PortfolioStateRepository,
    private readonly contexts: ReasoningContexts,
  ) {}

  async execute(partitions: number[]): Promise<Set<number>> {
    const { gained, restored } = await this.lock.run(() => this.adopt(partitions));
    // Outside the lock: evaluations go on while the logs are read back.
    await this.contexts.rebuild(restored);
    return gained;
  }

  private async adopt(partitions: number[]): Promise<{ gained: Set<number>; restored: string[] }> {
    // Commits in flight end first: what is dropped or loaded next includes them.
    await this.lock.settled();
    // Read before the states: every snapshot below these offsets is in what is loaded next.
    const applied = await this.watermark.committedPositions(partitions);
    const gained = new Set(partitions.filter((p) => !this.ownership.ownedPartitions.has(p)));
    this.ownership.ownedPartitions = new Set(partitions);
    const dropped: string[] = [];
    for (const id of [...this.core.portfolios.keys()]) {
      if (this.ownership.owns(id)) continue;
      this.core.drop(id);
      dropped.push(id);
    }
    this.contexts.forget(dropped);
    if (dropped.length > 0)
      this.log.warn(`rebalance: no longer owning ${dropped.length} portfolios`);
    const states = await this.portfolios.loadAll();
    const restored: string[] = [];
    for (const s of states) {
      if (!this.ownership.owns(s.id, s.snapshot?.sourcePartition)) continue;
      const state = EngineCore.stateFromStore(s);
      if (state) {
        this.core.install(state);
        restored.push(s.id);
      }
    }
    this.progress.assign(applied);
    this.log.log(
      `owning positions partitions [${partitions.join(',')}]: ${restored.length} portfolios restored`,
    );
    return { gained, restored };
  }
}
