import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'min_level', type: 'text' })
  minLevel!: string;

  /** null: every portfolio. */
  @Column({ name: 'portfolio_ids', type: 'text', array: true, nullable: true })
  portfolioIds!: string[] | null;

  /** The signing secret (`whsec_...`) encrypted with WEBHOOK_SECRET_KEY (libs/alerting secret-box). */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
