import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the retention job's deletes of published outbox rows and old snapshots need
 * (docs/architecture.md § Retention): published rows by publication time (unpublished ones have
 * no published_at, so the index skips them), and snapshots by receipt time. Keeping each
 * portfolio's newest snapshot by ts uses ix_snapshots_portfolio_ts.
 */
export class RetentionOutboxSnapshots1796005400000 implements MigrationInterface {
  name = 'RetentionOutboxSnapshots1796005400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_published" ON "outbox" ("published_at") WHERE published_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_snapshots_received_at" ON "portfolio_snapshots" ("received_at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_snapshots_received_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_outbox_published"`);
  }
}
