import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reference data (docs/knowledge-graph.md): the latest `reference.instruments` message per symbol
 * and `reference.relations` message per id, written by ingest and read by the api.
 */
export class ReferenceData1796010000008 implements MigrationInterface {
  name = 'ReferenceData1796010000008';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "instruments" ("symbol" text NOT NULL, "source_id" text NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "name" text NOT NULL, "aliases" jsonb NOT NULL DEFAULT '[]', "issuer" text NOT NULL, "type" text NOT NULL, "sector" text, "country" text, "currency" text, "underlying" text, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8bd2da22a1ed32dced42f6a4f24" PRIMARY KEY ("symbol"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_instruments_underlying" ON "instruments" ("underlying") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_instruments_issuer" ON "instruments" ("issuer") `);
    await queryRunner.query(
      `CREATE TABLE "relations" ("id" text NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "from_id" text NOT NULL, "to_id" text NOT NULL, "kind" text NOT NULL, "weight" double precision NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_964096eb20c2a6dd4e4bb17546f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_relations_to" ON "relations" ("to_id") `);
    await queryRunner.query(`CREATE INDEX "ix_relations_from" ON "relations" ("from_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_relations_from"`);
    await queryRunner.query(`DROP INDEX "public"."ix_relations_to"`);
    await queryRunner.query(`DROP TABLE "relations"`);
    await queryRunner.query(`DROP INDEX "public"."ix_instruments_issuer"`);
    await queryRunner.query(`DROP INDEX "public"."ix_instruments_underlying"`);
    await queryRunner.query(`DROP TABLE "instruments"`);
  }
}
