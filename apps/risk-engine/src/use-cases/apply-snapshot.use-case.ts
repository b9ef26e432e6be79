import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PositionsSnapshot } from '@risk/contracts';
import { EngineCore, snapshotCandidate, snapshotStep } from '@risk/engine';
import { METRICS, type ServiceMetrics } from '@risk/platform';
import { CommittedOutcomes } from '../ports/committed-outcomes';
import { PortfolioScorer } from '../ports/portfolio-scorer';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { EngineLock } from '../state/engine-lock';
import { TopicLayout } from '../state/topic-layout';

/**
 * A positions snapshot: evaluated as the portfolio's candidate state, then the snapshot, its
 * evaluation and the portfolio's state commit together (a snapshot already applied changes
 * nothing); the state is installed only after that commit.
 */
@Injectable()
export class ApplySnapshotUseCase {
  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly core: EngineCore,
    private readonly lock: EngineLock,
    private readonly layout: TopicLayout,
    private readonly scorer: PortfolioScorer,
    private readonly evaluations: EvaluationRepository,
    private readonly committed: CommittedOutcomes,
  ) {}

  /** `partition`: the positions partition it arrived on, which owns the portfolio from now on. */
  execute(s: PositionsSnapshot, topic: string, partition: number): Promise<void> {
    return this.lock.run(() => this.apply(s, topic, partition));
  }

  private async apply(s: PositionsSnapshot, topic: string, partition: number): Promise<void> {
    const started = performance.now();
    // A commit of the portfolio still in flight ends first: the snapshot builds on its state.
    await this.lock.settled([s.portfolioId]);
    const candidate = snapshotCandidate(
      s,
      topic,
      partition,
      randomUUID(),
      this.core.portfolios.get(s.portfolioId),
    );
    const { outcome, next } = await this.scorer.evaluate(Date.parse(s.ts), {
      state: candidate,
      trigger: { topic, eventId: s.id },
      ts: new Date(Date.parse(s.ts)).toISOString(),
      incidentId: `${topic}:${s.id}`,
      out: this.layout.out,
      sourceScope: `${s.portfolioId}:evaluation`,
      context: [snapshotStep(s)],
    });
    const res = await this.evaluations.commit([outcome], undefined, candidate.snapshot);
    if (!res.snapshotApplied) {
      this.metrics.messages.inc({ kind: 'positions', outcome: 'duplicate' });
      return;
    }
    this.core.install(next);
    this.committed.report(res.committed, 'positions', started);
  }
}
