import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The engine's market state per symbol (docs/risk-methodology.md § 11): one row per symbol,
 * written only when it changed, instead of the whole book in engine_state.instruments. Old
 * engine_state rows (version 1, full covariance) are migrated by the engine when it restores.
 * Down: the old code cannot read a version-2 state, so those engine_state rows go with the
 * table (the old engine then starts its price state afresh and replays from committed offsets).
 */
export class EngineSymbolState1796010000006 implements MigrationInterface {
  name = 'EngineSymbolState1796010000006';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "engine_symbol_state" ("instance_id" text NOT NULL, "symbol" text NOT NULL, "state" text NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2293a231a06af74b7b47cbbf5cd" PRIMARY KEY ("instance_id", "symbol"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "engine_state" WHERE instruments->>'version' = '2'`);
    await queryRunner.query(`DROP TABLE "engine_symbol_state"`);
  }
}
