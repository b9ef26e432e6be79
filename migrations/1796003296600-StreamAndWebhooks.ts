import { MigrationInterface, QueryRunner } from 'typeorm';

export class StreamAndWebhooks1796003296600 implements MigrationInterface {
  name = 'StreamAndWebhooks1796003296600';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" uuid NOT NULL, "name" text, "role" text NOT NULL, "key_hash" text NOT NULL, "key_prefix" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_57384430aa1959f4578046c9b81" UNIQUE ("key_hash"), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "stream_cursors" ("name" text NOT NULL, "tx_id" bigint NOT NULL, "seq" bigint NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_972d8373e66e042b56b1ca7f8c3" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "stream_events" ("seq" BIGSERIAL NOT NULL, "tx_id" bigint NOT NULL, "kind" text NOT NULL, "ref_id" uuid NOT NULL, "portfolio_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_25654c31f5cf1d609f24da5ce15" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_stream_events_portfolio" ON "stream_events" ("portfolio_id", "tx_id", "seq") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_stream_events_order" ON "stream_events" ("tx_id", "seq") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_attempts" ("id" BIGSERIAL NOT NULL, "delivery_id" text NOT NULL, "attempt" integer NOT NULL, "started_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "duration_ms" integer NOT NULL, "status_code" integer, "error" text, "outcome" text NOT NULL, "next_attempt_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_2de7e7887ad97de459adab62638" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_webhook_attempts_delivery" ON "webhook_attempts" ("delivery_id", "attempt") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" text NOT NULL, "subscription_id" uuid NOT NULL, "alert_id" uuid NOT NULL, "incident_id" text, "payload" text NOT NULL, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "alert_committed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_subscription" ON "webhook_deliveries" ("subscription_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_webhook_deliveries_alert" ON "webhook_deliveries" ("subscription_id", "alert_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_subscriptions" ("id" uuid NOT NULL, "url" text NOT NULL, "min_level" text NOT NULL, "portfolio_ids" text array, "secret" text NOT NULL, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "disabled_at" TIMESTAMP WITH TIME ZONE, "disabled_reason" text, "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_bf631ae77d39849d599817fb6f4" PRIMARY KEY ("id"))`,
    );
    // Every committed evaluation and alert gets a stream row in its own transaction, tagged
    // with that transaction's id, so the API can stream and scan them without gaps and the
    // engine does not need to know (see stream-event.entity.ts).
    await queryRunner.query(`CREATE FUNCTION "stream_event_capture"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stream_events (tx_id, kind, ref_id, portfolio_id)
  VALUES (pg_current_xact_id()::text::bigint, TG_ARGV[0], NEW.id, NEW.portfolio_id);
  RETURN NULL;
END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "evaluations_stream_event" AFTER INSERT ON "evaluations" FOR EACH ROW EXECUTE FUNCTION "stream_event_capture"('evaluation')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "alerts_stream_event" AFTER INSERT ON "alerts" FOR EACH ROW EXECUTE FUNCTION "stream_event_capture"('alert')`,
    );
    // Rows written before this migration: tx 0, in commit-time order, evaluation before alert.
    await queryRunner.query(`INSERT INTO stream_events (tx_id, kind, ref_id, portfolio_id, created_at)
SELECT 0, kind, id, portfolio_id, created_at FROM (
  SELECT 'evaluation' AS kind, id, portfolio_id, created_at, 0 AS o FROM evaluations
  UNION ALL SELECT 'alert', id, portfolio_id, created_at, 1 FROM alerts) x
ORDER BY created_at, o, id`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "alerts_stream_event" ON "alerts"`);
    await queryRunner.query(`DROP TRIGGER "evaluations_stream_event" ON "evaluations"`);
    await queryRunner.query(`DROP FUNCTION "stream_event_capture"()`);
    await queryRunner.query(`DROP TABLE "webhook_subscriptions"`);
    await queryRunner.query(`DROP INDEX "public"."ux_webhook_deliveries_alert"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_deliveries_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_deliveries_subscription"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."ux_webhook_attempts_delivery"`);
    await queryRunner.query(`DROP TABLE "webhook_attempts"`);
    await queryRunner.query(`DROP INDEX "public"."ix_stream_events_order"`);
    await queryRunner.query(`DROP INDEX "public"."ix_stream_events_portfolio"`);
    await queryRunner.query(`DROP TABLE "stream_events"`);
    await queryRunner.query(`DROP TABLE "stream_cursors"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
