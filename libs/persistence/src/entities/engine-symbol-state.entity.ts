import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One symbol's price and volatility state of one risk-engine instance (the instrument book's
 * row, base64 of fixed-size binary). Written only when the symbol changed since the last flush,
 * in the same transaction as engine_state, so a flush writes what changed, not every symbol.
 */
@Entity({ name: 'engine_symbol_state' })
export class EngineSymbolStateEntity {
  @PrimaryColumn({ name: 'instance_id', type: 'text' })
  instanceId!: string;

  @PrimaryColumn({ type: 'text' })
  symbol!: string;

  @Column({ type: 'text' })
  state!: string;

  /** Restores read rows in this order: the least recently flushed first (eviction order). */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
