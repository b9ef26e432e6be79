import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExplanationStep, RiskMetricsRecord, EvaluationTimings } from '@risk/contracts';

/**
 * Partitioned by month of `ts` (migration 1796010000030, docs/architecture.md § Partitioned
 * history): every unique key holds `ts`, the trigger's event time, the same on every delivery.
 */
@Entity({ name: 'evaluations' })
@Index('ix_evaluations_portfolio_ts', ['portfolioId', 'ts', 'id'])
@Index('ux_evaluations_trigger', ['portfolioId', 'triggerTopic', 'triggerEventId', 'ts'], {
  unique: true,
})
export class EvaluationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  @PrimaryColumn({ type: 'timestamptz', precision: 3 })
  ts!: Date;

  @Column({ name: 'trigger_topic', type: 'text' })
  triggerTopic!: string;

  @Column({ name: 'trigger_event_id', type: 'text' })
  triggerEventId!: string;

  @Column({ type: 'double precision' })
  score!: number;

  @Column({ type: 'text' })
  level!: string;

  // json: the engine's text verbatim (migration 1796010000032).
  @Column({ type: 'json' })
  metrics!: RiskMetricsRecord;

  @Column({ type: 'json' })
  explanation!: { steps: ExplanationStep[]; models: Record<string, string> };

  @Column({ type: 'json' })
  timings!: EvaluationTimings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
