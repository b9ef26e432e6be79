import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export interface SnapshotPosition {
  symbol: string;
  quantity: number;
  price?: number;
}

/**
 * Every positions snapshot applied. Snapshots received more than RETENTION_SNAPSHOT_DAYS ago are
 * pruned, except each portfolio's latest (docs/architecture.md § Retention).
 */
@Entity({ name: 'portfolio_snapshots' })
@Index('ix_snapshots_portfolio_ts', ['portfolioId', 'ts'])
@Index('ix_snapshots_received_at', ['receivedAt'])
export class PortfolioSnapshotEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  /** The `id` of the portfolio.positions message. */
  @Column({ name: 'source_id', type: 'text' })
  sourceId!: string;

  /** The positions partition it arrived on (null: stored before this was recorded). */
  @Column({ name: 'source_partition', type: 'integer', nullable: true })
  sourcePartition!: number | null;

  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ name: 'base_currency', type: 'text' })
  baseCurrency!: string;

  @Column({ type: 'double precision' })
  cash!: number;

  @Column({ type: 'jsonb' })
  positions!: SnapshotPosition[];

  @Column({ type: 'jsonb', nullable: true })
  limits!: Record<string, number> | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
