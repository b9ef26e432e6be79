import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Transactional outbox: written in the same transaction as the evaluation or alert it carries,
 * published to Kafka by the relay, which marks it published. The partition is fixed at write
 * time so the relay can tell after a crash what a partition already holds. Published rows are
 * pruned RETENTION_OUTBOX_HOURS after publication (docs/architecture.md § Retention).
 */
@Entity({ name: 'outbox' })
@Index('ix_outbox_pending', ['id'], { where: 'published_at IS NULL' })
@Index('ix_outbox_published', ['publishedAt'], { where: 'published_at IS NOT NULL' })
@Index('ix_outbox_relay_seq', ['relaySeq'], { where: 'relay_seq IS NOT NULL' })
export class OutboxMessageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'integer' })
  partition!: number;

  @Column({ name: 'message_key', type: 'text' })
  messageKey!: string;

  @Column({ type: 'text' })
  payload!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  /** The relay's send order, set just before it sends the row (outbox ids follow inserts). */
  @Column({ name: 'relay_seq', type: 'bigint', nullable: true })
  relaySeq!: string | null;
}
