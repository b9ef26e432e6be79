import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'alerts' })
@Index('ix_alerts_ts', ['ts', 'id'])
@Index('ix_alerts_portfolio_ts', ['portfolioId', 'ts', 'id'])
export class AlertEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  ts!: Date;

  @Column({ type: 'text' })
  level!: string;

  @Column({ name: 'previous_level', type: 'text', nullable: true })
  previousLevel!: string | null;

  @Index('ux_alerts_evaluation', { unique: true })
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
