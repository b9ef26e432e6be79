import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A durable position in stream_events: the webhook scanner's cursor (`webhooks`), and the
 * retention horizon (`retention-horizon`: rows at or before it may have been deleted).
 */
@Entity({ name: 'stream_cursors' })
export class StreamCursorEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ name: 'tx_id', type: 'bigint' })
  txId!: string;

  @Column({ type: 'bigint' })
  seq!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
