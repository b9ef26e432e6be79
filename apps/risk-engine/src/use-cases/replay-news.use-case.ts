import { Injectable, Logger } from '@nestjs/common';
import { EngineCore, RecentNews, replayPlan } from '@risk/engine';
import { EngineLock } from '../state/engine-lock';
import { PartitionOwnership } from '../state/partition-ownership';
import { PositionsWatermark } from '../state/positions-watermark';
import { EvaluateNewsUseCase } from './evaluate-news.use-case';

/**
 * Closes the rebalance window (docs/architecture.md § Rebalances): a news item this instance
 * passed before it owned a portfolio, and the previous owner had not evaluated for it (or
 * dropped it first), is evaluated now for the portfolios of the `gained` partitions that hold
 * one of its symbols — once their positions are applied, through EvaluateNewsUseCase, whose
 * ledger check (and the commit's idempotency claim) leaves exactly one evaluation per (item,
 * portfolio) whoever commits first. At the first assignment nothing has been passed yet.
 */
@Injectable()
export class ReplayNewsUseCase {
  private readonly log = new Logger(ReplayNewsUseCase.name);

  constructor(
    private readonly core: EngineCore,
    private readonly lock: EngineLock,
    private readonly recentNews: RecentNews,
    private readonly ownership: PartitionOwnership,
    private readonly watermark: PositionsWatermark,
    private readonly news: EvaluateNewsUseCase,
  ) {}

  async execute(gained: ReadonlySet<number>): Promise<void> {
    if (gained.size === 0 || this.recentNews.size === 0) return;
    if (!(await this.watermark.caughtUp(async () => {}))) return;
    const { plan, adopted } = await this.lock.run(async () => {
      // Owned now: a later rebalance may have taken some of them again.
      const adopted = new Set(
        [...this.core.portfolios.keys()].filter(
          (id) => this.ownership.owns(id) && gained.has(this.ownership.partitionOf(id)),
        ),
      );
      return {
        adopted,
        plan: replayPlan(this.recentNews.list(), adopted, (n) => this.news.holdersOf(n)),
      };
    });
    let evaluated = 0;
    // In event order, one item after another (each takes the lock for its own state work).
    for (const { item, portfolioIds } of plan)
      evaluated += await this.news.evaluate(item.news, item.topic, new Set(portfolioIds));
    if (evaluated > 0)
      this.log.warn(
        `rebalance: ${evaluated} evaluations of recent news for ${adopted.size} adopted portfolios`,
      );
  }
}
