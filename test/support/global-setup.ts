import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

const LEFTOVER_AFTER_MS = 2 * 3600_000;

/** When uniqueTag made a test database's name (`…_<Date.now() base 36><6 hex>`); 0 if unknown. */
function createdAt(datname: string): number {
  const suffix = datname.slice(datname.lastIndexOf('_') + 1);
  const ms = parseInt(suffix.slice(0, -6), 36);
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * Integration tier: the real broker and PostgreSQL must answer (`npm test` starts them with
 * infra:up). Fails fast with a clear message instead of timing out test by test.
 */
export default async function globalSetup(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const admin = new Kafka({
    clientId: 'risk-tests-setup',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    throw new Error(
      `Kafka at ${brokers.join(',')} does not answer (run npm run infra:up): ${(e as Error).message}`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/risk');
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  try {
    await c.connect();
    // Leftovers of earlier runs (a killed run cannot drop its own databases); a run going on
    // beside this one (its databases are younger) keeps its own.
    const old = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'risk_test_%'");
    for (const r of old.rows as { datname: string }[])
      if (createdAt(r.datname) < Date.now() - LEFTOVER_AFTER_MS)
        await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  } catch (e) {
    throw new Error(
      `PostgreSQL at ${url.host} does not answer (run npm run infra:up): ${(e as Error).message}`,
    );
  } finally {
    await c.end().catch(() => undefined);
  }
}
