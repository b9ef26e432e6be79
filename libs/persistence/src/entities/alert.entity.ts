import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Partitioned by month of `ts` like evaluations (an alert's ts is its evaluation's). */
@Entity({ name: 'alerts' })
@Index('ux_alerts_evaluation', ['evaluationId', 'ts'], { unique: true })
@Index('ix_alerts_ts', ['ts', 'id'])
@Index('ix_alerts_portfolio_ts', ['portfolioId', 'ts', 'id'])
export class AlertEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  @PrimaryColumn({ type: 'timestamptz', precision: 3 })
  ts!: Date;

  @Column({ type: 'text' })
  level!: string;

  @Column({ name: 'previous_level', type: 'text', nullable: true })
  previousLevel!: string | null;

  @Column({ name: 'evaluation_id', type: 'uuid' })
  evaluationId!: string;

  @Column({ type: 'text' })
  reason!: string;

  /** Alerts raised by the same source event share an incident, so receivers can collapse them. */
  @Column({ name: 'incident_id', type: 'text', nullable: true })
  incidentId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
