import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the retention job's deletes need (docs/architecture.md § Retention): final webhook
 * deliveries by completion time (pending ones have no completed_at, so the index skips them),
 * and the idempotency ledger by claim time. stream_events is pruned in (tx_id, seq) order,
 * which ix_stream_events_order already serves; attempts go by delivery id
 * (ux_webhook_attempts_delivery).
 */
export class Retention1796004800000 implements MigrationInterface {
  name = 'Retention1796004800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_completed" ON "webhook_deliveries" ("completed_at") WHERE completed_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_processed_events_processed_at" ON "processed_events" ("processed_at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_processed_events_processed_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_deliveries_completed"`);
  }
}
