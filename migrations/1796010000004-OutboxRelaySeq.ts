import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's send order (docs/architecture.md § Outbox): outbox ids are taken at insert, not
 * at commit, so with several engine instances a lower id can commit after a higher one was
 * published. The relay numbers rows in `relay_seq` just before it sends them, and recovery marks
 * a partition's rows up to the relay_seq of its last Kafka message, never up to an id. Pending
 * rows of older versions were sent in id order: they take their id.
 */
export class OutboxRelaySeq1796010000004 implements MigrationInterface {
  name = 'OutboxRelaySeq1796010000004';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox" ADD "relay_seq" bigint`);
    await queryRunner.query(`UPDATE "outbox" SET "relay_seq" = "id" WHERE published_at IS NULL`);
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_relay_seq" ON "outbox" ("relay_seq") WHERE relay_seq IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_outbox_relay_seq"`);
    await queryRunner.query(`ALTER TABLE "outbox" DROP COLUMN "relay_seq"`);
  }
}
