import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExplanationStep, RiskMetricsRecord, EvaluationTimings } from '@risk/contracts';

@Entity({ name: 'evaluations' })
@Index('ix_evaluations_portfolio_ts', ['portfolioId', 'ts', 'id'])
@Index('ux_evaluations_trigger', ['portfolioId', 'triggerTopic', 'triggerEventId'], {
  unique: true,
})
export class EvaluationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  ts!: Date;

  @Column({ name: 'trigger_topic', type: 'text' })
  triggerTopic!: string;

  @Column({ name: 'trigger_event_id', type: 'text' })
  triggerEventId!: string;

  @Column({ type: 'double precision' })
  score!: number;

  @Column({ type: 'text' })
  level!: string;

  @Column({ type: 'jsonb' })
  metrics!: RiskMetricsRecord;

  @Column({ type: 'jsonb' })
  explanation!: { steps: ExplanationStep[]; models: Record<string, string> };

  @Column({ type: 'jsonb' })
  timings!: EvaluationTimings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
