import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The price and covariance state of one risk-engine instance, saved in the same transaction as
 * the tick-driven evaluations it produced, with the tick offsets it covers.
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
