import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The positions partition each snapshot arrived on: a portfolio is owned by the engine instance
 * that owns that partition, whichever partitioner the producer used (docs/architecture.md §
 * Ownership). Null for snapshots stored before: the Java-default partition of the key is assumed.
 */
export class SnapshotSourcePartition1796010000003 implements MigrationInterface {
  name = 'SnapshotSourcePartition1796010000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "portfolio_snapshots" ADD "source_partition" integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "portfolio_snapshots" DROP COLUMN "source_partition"`);
  }
}
