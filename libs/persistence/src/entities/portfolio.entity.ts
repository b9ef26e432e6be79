import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A portfolio and the running state the engine needs back after a restart. */
@Entity({ name: 'portfolios' })
export class PortfolioEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'base_currency', type: 'text' })
  baseCurrency!: string;

  @Column({ name: 'latest_snapshot_id', type: 'uuid', nullable: true })
  latestSnapshotId!: string | null;

  @Column({ name: 'peak_nav', type: 'double precision', nullable: true })
  peakNav!: number | null;

  @Column({ name: 'last_evaluation_id', type: 'uuid', nullable: true })
  lastEvaluationId!: string | null;

  @Column({ name: 'last_score', type: 'double precision', nullable: true })
  lastScore!: number | null;

  @Column({ name: 'last_level', type: 'text', nullable: true })
  lastLevel!: string | null;

  @Column({ name: 'last_evaluated_at', type: 'timestamptz', nullable: true })
  lastEvaluatedAt!: Date | null;

  /** Limits breached at the last evaluation: a breach alerts once, when it starts. */
  @Column({ name: 'breached_limits', type: 'jsonb', default: () => "'[]'" })
  breachedLimits!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
