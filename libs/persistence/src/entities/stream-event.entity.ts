import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row per committed evaluation and alert, written by a trigger in the same transaction
 * (see the StreamAndWebhooks migration). `tx_id` is the writing transaction's id: readers take
 * only rows whose transaction is older than every transaction still running, in (tx_id, seq)
 * order, so a cursor over them never skips a row that commits late.
 */
@Entity({ name: 'stream_events' })
@Index('ix_stream_events_order', ['txId', 'seq'])
@Index('ix_stream_events_portfolio', ['portfolioId', 'txId', 'seq'])
export class StreamEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  @Column({ name: 'tx_id', type: 'bigint' })
  txId!: string;

  /** `evaluation` or `alert`. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'ref_id', type: 'uuid' })
  refId!: string;

  @Column({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
