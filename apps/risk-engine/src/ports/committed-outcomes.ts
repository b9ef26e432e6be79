import { Inject, Injectable } from '@nestjs/common';
import type { EvaluationOutcome } from '@risk/persistence';
import { METRICS, type ServiceMetrics } from '@risk/platform';
import { OutboxRelay } from '../outbox-relay.thread';

export type EvaluationTrigger = 'positions' | 'ticks' | 'news';

/** After a durable commit: count what it committed, and have the outbox relay publish it now. */
@Injectable()
export class CommittedOutcomes {
  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly relay: OutboxRelay,
  ) {}

  report(committed: EvaluationOutcome[], trigger: EvaluationTrigger, started: number): void {
    for (const o of committed) {
      this.metrics.evaluations.inc({ trigger, level: o.evaluation.level });
      if (o.alert) this.metrics.alerts.inc({ level: o.alert.level });
    }
    this.metrics.stageSeconds.observe(
      { stage: `evaluate_${trigger}` },
      (performance.now() - started) / 1000,
    );
    if (committed.length > 0) this.relay.kick();
  }
}
