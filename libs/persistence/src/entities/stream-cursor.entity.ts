import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A durable reader position in stream_events (the webhook scanner keeps its own here). */
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
