import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1796002284451 implements MigrationInterface {
  name = 'InitialSchema1796002284451';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alerts" ("id" uuid NOT NULL, "portfolio_id" text NOT NULL, "ts" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "level" text NOT NULL, "previous_level" text, "evaluation_id" uuid NOT NULL, "reason" text NOT NULL, "incident_id" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_60f895662df096bfcdfab7f4b96" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_alerts_evaluation" ON "alerts" ("evaluation_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_alerts_portfolio_ts" ON "alerts" ("portfolio_id", "ts", "id") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_alerts_ts" ON "alerts" ("ts", "id") `);
    await queryRunner.query(
      `CREATE TABLE "engine_state" ("instance_id" text NOT NULL, "instruments" jsonb NOT NULL, "tick_offsets" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3cdd22bbb2d0fc0cf34d155a51b" PRIMARY KEY ("instance_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "evaluations" ("id" uuid NOT NULL, "portfolio_id" text NOT NULL, "ts" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "trigger_topic" text NOT NULL, "trigger_event_id" text NOT NULL, "score" double precision NOT NULL, "level" text NOT NULL, "metrics" jsonb NOT NULL, "explanation" jsonb NOT NULL, "timings" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_f683b433eba0e6dae7e19b29e29" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_evaluations_trigger" ON "evaluations" ("portfolio_id", "trigger_topic", "trigger_event_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_evaluations_portfolio_ts" ON "evaluations" ("portfolio_id", "ts", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "outbox" ("id" BIGSERIAL NOT NULL, "topic" text NOT NULL, "partition" integer NOT NULL, "message_key" text NOT NULL, "payload" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "published_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_340ab539f309f03bdaa14aa7649" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_pending" ON "outbox" ("id") WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "portfolio_snapshots" ("id" uuid NOT NULL, "portfolio_id" text NOT NULL, "source_id" text NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "base_currency" text NOT NULL, "cash" double precision NOT NULL, "positions" jsonb NOT NULL, "limits" jsonb, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_46c13ef40300b3a6d379488f53a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_snapshots_portfolio_ts" ON "portfolio_snapshots" ("portfolio_id", "ts") `,
    );
    await queryRunner.query(
      `CREATE TABLE "portfolios" ("id" text NOT NULL, "base_currency" text NOT NULL, "latest_snapshot_id" uuid, "peak_nav" double precision, "last_evaluation_id" uuid, "last_score" double precision, "last_level" text, "last_evaluated_at" TIMESTAMP WITH TIME ZONE, "breached_limits" jsonb NOT NULL DEFAULT '[]', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_488aa6e9b219d1d9087126871ae" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "processed_events" ("topic" text NOT NULL, "event_id" text NOT NULL, "scope" text NOT NULL DEFAULT '', "processed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a45a44ab781a385fdb9a5dc8142" PRIMARY KEY ("topic", "event_id", "scope"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "processed_events"`);
    await queryRunner.query(`DROP TABLE "portfolios"`);
    await queryRunner.query(`DROP INDEX "public"."ix_snapshots_portfolio_ts"`);
    await queryRunner.query(`DROP TABLE "portfolio_snapshots"`);
    await queryRunner.query(`DROP INDEX "public"."ix_outbox_pending"`);
    await queryRunner.query(`DROP TABLE "outbox"`);
    await queryRunner.query(`DROP INDEX "public"."ix_evaluations_portfolio_ts"`);
    await queryRunner.query(`DROP INDEX "public"."ux_evaluations_trigger"`);
    await queryRunner.query(`DROP TABLE "evaluations"`);
    await queryRunner.query(`DROP TABLE "engine_state"`);
    await queryRunner.query(`DROP INDEX "public"."ix_alerts_ts"`);
    await queryRunner.query(`DROP INDEX "public"."ix_alerts_portfolio_ts"`);
    await queryRunner.query(`DROP INDEX "public"."ux_alerts_evaluation"`);
    await queryRunner.query(`DROP TABLE "alerts"`);
  }
}
