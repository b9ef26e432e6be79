import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { json, positionsMessage, produce, query, tickMessage, waitFor } from './support/harness';
import { listenOnLoopback, useRunningService } from './support/running-service';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(__dirname, '..', 'test-results', 'dashboard.png');

/**
 * The dashboard in a real headless Chromium: it asks for a key, then shows a portfolio and an
 * alert that arrive live over the stream (produced to Kafka after the page is open).
 */
describe('dashboard in headless Chromium', () => {
  const svc = useRunningService('dashboard', { env: { STREAM_POLL_MS: '100' }, listen: false });
  let base: string;
  let key: string;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'risk-chromium-'));

  svc.cleanup(async () => {
    await context?.close();
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`,
      );
    base = await listenOnLoopback(svc.app);
    key = (await new ApiKeyRepository(svc.app.get(DataSource)).create('viewer')).key;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    browser = context.browser() ?? undefined;
  });

  it('asks for a key, then shows a portfolio, its chart, explanation and an alert live', async () => {
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // A file or style the Content-Security-Policy (helmet) refuses shows up as a console error.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    const response = await page.goto(`${base}/`);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.waitForSelector('#api-key', { state: 'visible' });

    // A wrong key is refused and the form comes back.
    await page.fill('#api-key', 'rsk_wrong');
    await page.click('#save-key');
    // Locators, not page-side expressions: the page's CSP forbids the eval those poll with.
    await page.locator('#key-error', { hasText: 'refused' }).waitFor();

    await page.fill('#api-key', key);
    await page.click('#save-key');
    await page.waitForSelector('#board', { state: 'visible' });
    await page.waitForSelector('#live.on', { timeout: 10_000 });
    expect(await page.evaluate("sessionStorage.getItem('risk.apiKey')")).toBe(key);

    // Only now does the portfolio exist: it must arrive over the stream.
    await produce(svc.kafka, svc.topics.positions, [
      positionsMessage({
        id: 'p-dash-1',
        portfolioId: 'pf-dash',
        cash: 50000,
        positions: [
          { symbol: 'AAPL', quantity: 1000, price: 180 },
          { symbol: 'MSFT', quantity: 100, price: 400 },
        ],
        limits: { maxWeight: 0.25 },
      }),
    ]);
    await page.waitForSelector('#portfolios tr[data-portfolio="pf-dash"]', { timeout: 30_000 });
    await page.waitForSelector('#alerts li.alert', { timeout: 30_000 });
    await page.waitForSelector('#explanation li', { timeout: 10_000 });
    await page.waitForSelector('#chart canvas', { timeout: 10_000 });
    const level = await page.textContent('#portfolios tr[data-portfolio="pf-dash"] .level');
    expect(['MEDIUM', 'HIGH', 'CRITICAL']).toContain(level);
    expect(await page.textContent('#alerts li.alert')).toContain('pf-dash');
    expect(await page.locator('#explanation li').count()).toBeGreaterThan(1);

    // A tick moves the price: a second evaluation is appended to the chart live.
    await produce(svc.kafka, svc.topics.ticks, [
      tickMessage({ id: 't-dash-1', symbol: 'AAPL', price: 150, ts: '2026-11-30T09:30:00.000Z' }),
    ]);
    await page.locator('#evaluation-meta', { hasText: 't-dash-1' }).waitFor({ timeout: 30_000 });

    // A story about AAPL's supplier reaches the book through the knowledge graph: the
    // explanation shows the path, edge by edge.
    const ref = { ts: '2026-11-30T08:00:00.000Z', aliases: [], sector: null, country: null };
    await produce(svc.kafka, svc.topics.instruments, [
      json('AAPL', {
        ...ref,
        id: 'i-aapl',
        symbol: 'AAPL',
        issuer: 'APPLE',
        type: 'equity',
        name: 'Apple Inc.',
        currency: null,
        underlying: null,
      }),
    ]);
    await produce(svc.kafka, svc.topics.relations, [
      json('r-dash', {
        id: 'r-dash',
        ts: ref.ts,
        from: 'KESTREL',
        to: 'APPLE',
        kind: 'supplier_of',
        weight: 0.4,
      }),
    ]);
    const { ReferenceGraph } = await import('../apps/risk-engine/src/state/reference-graph');
    const graph = svc.app.get(ReferenceGraph).graph;
    await waitFor(() => graph.size.relations === 1);
    const story = {
      id: 'n-dash-graph',
      ts: '2026-11-30T09:31:00.000Z',
      headline: 'Fire at a supplier plant',
      symbols: [],
      entities: ['KESTREL'],
    };
    await produce(svc.kafka, svc.topics.news, [json(story.id, story)]);
    await page.locator('#evaluation-meta', { hasText: story.id }).waitFor({ timeout: 30_000 });
    expect(await page.textContent('#explanation .path')).toBe('KESTREL → supplier of 40% → APPLE');

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });
  it('opens signed in from a #key link; riskiest first, filter, search; a book’s backtest', async () => {
    const url = svc.cfg.databaseUrl;
    // Three more books straight into the read model: the list's order is the page's job.
    for (const [id, level, score] of [
      ['pf-low', 'LOW', 0.1],
      ['pf-high-a', 'HIGH', 0.7],
      ['pf-high-b', 'HIGH', 0.8],
    ] as const)
      await query(
        url,
        `INSERT INTO portfolios (id, base_currency, last_score, last_level, last_evaluated_at)
         VALUES ($1, 'USD', $2, $3, now())`,
        [id, score, level],
      );
    // pf-low has three closes: 10 × (99 − 100) = −10 < −5 (exception), then 10 × (100 − 99) = +10.
    for (const [day, price] of [
      ['2026-03-02', 100],
      ['2026-03-03', 99],
      ['2026-03-04', 100],
    ] as const)
      await query(
        url,
        `INSERT INTO daily_risk (portfolio_id, day, evaluation_id, as_of, nav, var99, es99, cash, positions)
         VALUES ('pf-low', $1, gen_random_uuid(), $2, 1000, 5, 6, 0, $3)`,
        [day, `${day}T16:00:00Z`, JSON.stringify([{ symbol: 'AAA', quantity: 10, price }])],
      );

    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/#key=${encodeURIComponent(key)}`);
    await page.waitForSelector('#board', { state: 'visible' });
    expect(await page.isVisible('#key-form')).toBe(false);
    expect(await page.evaluate('location.hash')).toBe('');
    expect(await page.evaluate("sessionStorage.getItem('risk.apiKey')")).toBe(key);

    await page.waitForSelector('#portfolios tr[data-portfolio="pf-low"]');
    const order = () =>
      page.evaluate<string[]>(
        "[...document.querySelectorAll('#portfolios tbody tr')].map((r) => r.dataset.portfolio)",
      );
    const ids = await order();
    // HIGH 0.8, HIGH 0.7 before LOW; pf-dash (from the first test) sits by its own level.
    expect(ids.indexOf('pf-high-b')).toBeLessThan(ids.indexOf('pf-high-a'));
    expect(ids.indexOf('pf-high-a')).toBeLessThan(ids.indexOf('pf-low'));
    expect(ids[ids.length - 1]).toBe('pf-low');

    await page.selectOption('#level-filter', 'HIGH');
    expect((await order()).filter((id) => id !== 'pf-dash').sort()).toEqual([
      'pf-high-a',
      'pf-high-b',
    ]);
    await page.selectOption('#level-filter', '');
    await page.fill('#search', 'LOW');
    expect(await order()).toEqual(['pf-low']);

    await page.click('#portfolios tr[data-portfolio="pf-low"]');
    // Locators, not page-side expressions: the page's CSP forbids the eval those poll with.
    await page.locator('#backtest-summary', { hasText: /^1 exceptions in 2 days/ }).waitFor();
    // 2 observations, 1 exception: P(X ≤ 0) = 0.9801 ≥ 95%, P(X ≤ 1) = 0.9999 ≥ 99.99%: red
    expect(await page.textContent('#backtest-zone')).toBe('red');
    await page.waitForSelector('#backtest-chart canvas');
    // The model-quality panel has loaded (no outcome can be judged here yet).
    const bands = page.locator('#model-quality-bands tbody tr');
    await bands.nth(5).waitFor();
    expect(await bands.count()).toBe(6);
    expect(errors).toEqual([]);
    await page.close();
  });
});
