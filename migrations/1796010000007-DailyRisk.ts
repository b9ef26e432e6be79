import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily risk records (docs/risk-methodology.md § VaR backtest): one row per portfolio and
 * event-time UTC day, the day's latest evaluation with the positions and prices it used.
 */
export class DailyRisk1796010000007 implements MigrationInterface {
  name = 'DailyRisk1796010000007';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "daily_risk" ("portfolio_id" text NOT NULL, "day" date NOT NULL, "evaluation_id" uuid NOT NULL, "as_of" TIMESTAMP WITH TIME ZONE NOT NULL, "nav" double precision NOT NULL, "var99" double precision NOT NULL, "es99" double precision NOT NULL, "cash" double precision NOT NULL, "positions" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b4fca8d79d31126db56872db2b8" PRIMARY KEY ("portfolio_id", "day"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "daily_risk"`);
  }
}
