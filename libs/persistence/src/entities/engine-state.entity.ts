import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The global part of one risk-engine instance's market state (clock, market factor; its
 * symbols are rows of engine_symbol_state), saved in the same transaction as the tick-driven
 * evaluations it produced, with the tick offsets it covers.
 */
@Entity({ name: 'engine_state' })
export class EngineStateEntity {
  @PrimaryColumn({ name: 'instance_id', type: 'text' })
  instanceId!: string;

  @Column({ type: 'jsonb' })
  instruments!: unknown;

  @Column({ name: 'tick_offsets', type: 'jsonb' })
  tickOffsets!: Record<string, string>;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
