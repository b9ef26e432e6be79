import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { DailyPosition } from '@risk/backtest';

/**
 * A portfolio's close of one event-time UTC day: the latest evaluation of that day (by the event
 * time its state is as of), with the positions and prices it used, so the next day's P&L at unchanged positions can
 * be computed (docs/risk-methodology.md § VaR backtest).
 */
@Entity({ name: 'daily_risk' })
export class DailyRiskEntity {
  @PrimaryColumn({ name: 'portfolio_id', type: 'text' })
  portfolioId!: string;

  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ name: 'evaluation_id', type: 'uuid' })
  evaluationId!: string;

  /** The event time the evaluated state is as of: a later one of the same day replaces the record. */
  @Column({ name: 'as_of', type: 'timestamptz' })
  asOf!: Date;

  @Column({ type: 'double precision' })
  nav!: number;

  @Column({ type: 'double precision' })
  var99!: number;

  @Column({ type: 'double precision' })
  es99!: number;

  @Column({ type: 'double precision' })
  cash!: number;

  @Column({ type: 'json' })
  positions!: DailyPosition[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
