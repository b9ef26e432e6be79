import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One logical delivery of one alert to one subscription (unique), sent with the same
 * `webhook-id` and body on every attempt. Due deliveries are claimed with a lease
 * (`next_attempt_at` moved forward, `attempts` incremented) under FOR UPDATE SKIP LOCKED.
 * Final ones (delivered, failed, cancelled) are pruned RETENTION_WEBHOOK_DAYS after completion.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('ux_webhook_deliveries_alert', ['subscriptionId', 'alertId'], { unique: true })
@Index('ix_webhook_deliveries_due', ['nextAttemptAt'], { where: "status = 'pending'" })
@Index('ix_webhook_deliveries_subscription', ['subscriptionId', 'createdAt'])
@Index('ix_webhook_deliveries_completed', ['completedAt'], { where: 'completed_at IS NOT NULL' })
export class WebhookDeliveryEntity {
  /** Also the `webhook-id` header. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @Column({ name: 'incident_id', type: 'text', nullable: true })
  incidentId!: string | null;

  /** The exact body every attempt sends. */
  @Column({ type: 'text' })
  payload!: string;

  /** pending | delivered | failed | cancelled */
  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** When the alert was committed (stream_events.created_at), for latency figures. */
  @Column({ name: 'alert_committed_at', type: 'timestamptz' })
  alertCommittedAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
