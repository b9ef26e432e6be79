import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The latest `reference.instruments` message per symbol (docs/knowledge-graph.md). */
@Entity({ name: 'instruments' })
@Index('ix_instruments_issuer', ['issuer'])
@Index('ix_instruments_underlying', ['underlying'])
export class InstrumentEntity {
  @PrimaryColumn({ type: 'text' })
  symbol!: string;

  /** The `id` of the message this version came from. */
  @Column({ name: 'source_id', type: 'text' })
  sourceId!: string;

  /** The message's `ts`: an older message for the symbol does not replace this one. */
  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  aliases!: string[];

  @Column({ type: 'text' })
  issuer!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text', nullable: true })
  sector!: string | null;

  @Column({ type: 'text', nullable: true })
  country!: string | null;

  @Column({ type: 'text', nullable: true })
  currency!: string | null;

  @Column({ type: 'text', nullable: true })
  underlying!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
