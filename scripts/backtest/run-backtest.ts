/**
 * npm run backtest — replays a year of daily closes of the demo's universe through Kafka (ticks
 * with past event times, one close a day) into a running service with its own topics and
 * database, then backtests every book's daily VaR from the daily risk records in PostgreSQL and
 * writes one self-contained HTML report per desk (reports/backtest/<desk>.html) and a PNG of the
 * first book's main chart (docs/backtest-chart.png).
 *
 * BACKTEST_DAYS (default 252) sets the length of the history; BACKTEST_KEEP=1 keeps the database
 * and topics afterwards.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { chromium } from 'playwright-core';
import { DataSource } from 'typeorm';
import { allTopics, referenceTopics, topicNames } from '@risk/contracts';
import { backtestRecords, firstOfWeekdaysBefore } from '@risk/backtest';
import { DailyRiskRepository } from '@risk/persistence';
import { loadConfig } from '@risk/platform';
// eslint-disable-next-line no-restricted-imports
import { startService } from '../../apps/all/src/start-service';
import { ensureReferenceTopics, ensureTopics } from '../infra/topics';
import { simulateUniverseHistory } from '../simulator/daily-closes';
import { INSTRUMENTS, PORTFOLIOS } from '../simulator/universe';
import { renderDeskReport, type DeskReport } from './report-html';

/** The demo's books by desk (the universe has no desks of its own). */
const DESKS: Record<string, string[]> = {
  'equity-long': ['pf-alpha', 'pf-tech-conviction', 'pf-tight-var'],
  'long-short-thematic': ['pf-long-short', 'pf-biotech', 'pf-energy-transition'],
};

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function waitUntil(fn: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const days = Number(process.env.BACKTEST_DAYS ?? 252);
  const tag = `backtest_${Date.now().toString(36)}`;
  const base = loadConfig();
  const dbUrl = new URL(base.databaseUrl);
  dbUrl.pathname = `/risk_${tag}`;
  const cfg = loadConfig({
    ...process.env,
    TOPIC_PREFIX: `${tag}.`,
    GROUP_PREFIX: `${tag}.`,
    DATABASE_URL: dbUrl.toString(),
    REASONING_ENABLED: 'false',
    COALESCE_MS: '20',
    LOG_LEVEL: 'warn',
    PORT: '0',
  });
  const topics = topicNames(cfg.topicPrefix);
  await ensureTopics(cfg.kafkaBrokers, allTopics(topics));
  // Ingest also reads the compacted reference topics.
  await ensureReferenceTopics(cfg.kafkaBrokers, referenceTopics(topics));
  const app = await startService(cfg, { listen: false });
  const kafka = new Kafka({ brokers: cfg.kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const db = new Client({ connectionString: cfg.databaseUrl });
  await db.connect();
  try {
    // A history that ends yesterday: ticks from the future are bad input (MAX_CLOCK_SKEW_MS).
    const start = firstOfWeekdaysBefore(new Date().toISOString().slice(0, 10), days);
    const history = simulateUniverseHistory({
      start,
      instruments: INSTRUMENTS,
      days,
      crashes: 4,
      seed: 17,
    });
    const first = history[0];
    // Opening snapshots the morning of the first day, marked at its closes' start prices.
    await producer.send({
      topic: topics.positions,
      acks: -1,
      messages: PORTFOLIOS.map((p) => {
        const positions = Object.entries(p.weights).map(([symbol, w]) => ({
          symbol,
          quantity: Math.round((w * p.nav) / first.prices[symbol]),
          price: first.prices[symbol],
        }));
        const invested = positions.reduce((s, x) => s + x.quantity * x.price, 0);
        return {
          key: p.portfolioId,
          value: JSON.stringify({
            id: `bt-open-${p.portfolioId}`,
            portfolioId: p.portfolioId,
            ts: `${first.date}T09:00:00.000Z`,
            baseCurrency: 'USD',
            cash: Math.round(p.nav - invested),
            positions,
            limits: p.limits,
          }),
        };
      }),
    });
    const started = Date.now();
    for (const [i, day] of history.entries()) {
      await producer.send({
        topic: topics.ticks,
        acks: -1,
        messages: Object.entries(day.prices).map(([symbol, price]) => ({
          key: symbol,
          value: JSON.stringify({
            id: `bt-${symbol}-${day.date}`,
            symbol,
            price,
            ts: `${day.date}T16:00:00.000Z`,
          }),
        })),
      });
      // The day is closed for a book once its record carries every one of the day's prices.
      await waitUntil(async () => {
        const rows = (
          await db.query<{ positions: { symbol: string; price: number | null }[] }>(
            `SELECT positions FROM daily_risk WHERE day = $1`,
            [day.date],
          )
        ).rows;
        return (
          rows.length === PORTFOLIOS.length &&
          rows.every((r) => r.positions.every((p) => p.price === day.prices[p.symbol]))
        );
      }, `the closes of ${day.date}`);
      if ((i + 1) % 50 === 0)
        console.log(
          `replayed ${i + 1}/${history.length} days (${((Date.now() - started) / 1000).toFixed(0)} s)`,
        );
    }
    const records = await new DailyRiskRepository(app.get(DataSource)).lastRecordsByPortfolio(days);
    const source = `${history.length} daily closes (${history[0].date} to ${history[history.length - 1].date}) of the demo's universe, replayed through Kafka into the service`;
    const outDir = join(ROOT, 'reports', 'backtest');
    mkdirSync(outDir, { recursive: true });
    const reports: DeskReport[] = Object.entries(DESKS).map(([desk, ids]) => ({
      desk,
      source,
      books: ids.map((id) => ({
        portfolioId: id,
        result: backtestRecords(records.get(id) ?? [], days),
      })),
    }));
    for (const r of reports) {
      const file = join(outDir, `${r.desk}.html`);
      writeFileSync(file, renderDeskReport(r));
      console.log(`${r.desk}: ${file}`);
      for (const b of r.books)
        console.log(
          `  ${b.portfolioId}: ${b.result.exceptions} exceptions in ${b.result.observations} days, ${b.result.zone}, ES Z2 ${b.result.esBacktest.z2 ?? '−∞'} (${b.result.esBacktest.zone})`,
        );
    }
    await screenshot(reports[0], join(ROOT, 'docs', 'backtest-chart.png'));
  } finally {
    await db.end();
    await producer.disconnect();
    await app.close();
    if (process.env.BACKTEST_KEEP !== '1')
      await dropEverything(cfg.databaseUrl, kafka, allTopics(topics));
  }
}

/** The first book's P&L-against-VaR chart, rendered by Chromium from the report itself. */
async function screenshot(report: DeskReport, file: string): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`no Chromium at ${CHROMIUM}: no PNG`);
    return;
  }
  const book = report.books[0].portfolioId;
  const dir = mkdtempSync(join(tmpdir(), 'risk-backtest-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const html = join(dir, 'chart.html');
    writeFileSync(html, renderDeskReport(report, { only: book }));
    const page = await browser.newPage({ viewport: { width: 1160, height: 900 } });
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator(`#pnl-${book}`).screenshot({ path: file });
    console.log(`chart: ${file}`);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function dropEverything(databaseUrl: string, kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  const u = new URL(databaseUrl);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
