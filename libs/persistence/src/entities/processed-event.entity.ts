import { CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Idempotency ledger: one row per (source topic, message id, scope). The scope is the portfolio
 * an effect belongs to (a news item fans out to several portfolios), or '' for a whole message.
 * Rows older than RETENTION_PROCESSED_EVENTS_DAYS are pruned (docs/architecture.md § Retention).
 */
@Entity({ name: 'processed_events' })
@Index('ix_processed_events_processed_at', ['processedAt'])
export class ProcessedEventEntity {
  @PrimaryColumn({ type: 'text' })
  topic!: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @PrimaryColumn({ type: 'text', default: '' })
  scope!: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}
