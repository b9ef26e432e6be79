import { Inject, Injectable } from '@nestjs/common';
import type { Tick } from '@risk/contracts';
import { CatchUp, EngineCore, TickProgress, moveToJudgeFirst } from '@risk/engine';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { Judge } from '../ports/judge';

/** A batch of decoded ticks of one partition, as the ticks handler hands it over. */
export interface TickBatch {
  topic: string;
  partition: number;
  ticks: { tick: Tick; tsMs: number }[];
  /** Messages in the batch, invalid ones included (all are covered by its offset). */
  messages: number;
  invalid: number;
  lastOffset: string | undefined;
  /** Messages left in the partition after this batch. */
  lag: number;
}

/**
 * Ticks update prices in memory only (no lock: applying is synchronous) and mark the
 * portfolios holding them dirty; their state is saved, and their offsets committed, by the next
 * flush. Returns true when a flush should start now: a large move, or a backlog caught up.
 * A large move the next flush will judge makes the holders' move judgements still in flight
 * stale: they are dropped (docs/reasoning.md § Continuous batching).
 */
@Injectable()
export class ApplyTicksUseCase {
  private readonly catchUp = new CatchUp();

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly judge: Judge,
    private readonly core: EngineCore,
    private readonly progress: TickProgress,
  ) {}

  execute(batch: TickBatch): boolean {
    let largeMove = false;
    let applied = 0;
    let stale = 0;
    for (const { tick, tsMs } of batch.ticks) {
      const t = this.core.applyTick(tick, tsMs);
      if (t.applied) applied++;
      else if (t.stale) stale++;
      if (t.largeMove) largeMove = true;
      if (moveToJudgeFirst(this.cfg.reasoningGate, t.move))
        for (const pid of this.core.holdings.portfoliosHolding(tick.symbol))
          this.judge.supersedeMoves(pid);
    }
    this.progress.record(batch.topic, batch.partition, batch.lastOffset, batch.messages);
    this.metrics.messages.inc({ kind: 'tick', outcome: 'applied' }, applied);
    if (stale) this.metrics.staleTicks.inc(stale);
    if (batch.invalid)
      this.metrics.messages.inc({ kind: 'tick', outcome: 'invalid' }, batch.invalid);
    const caughtUp = this.catchUp.observe(`${batch.topic}:${batch.partition}`, batch.lag);
    return largeMove || caughtUp;
  }
}
