/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import { BudgetAdmission, DeadlineError, SupersededError } from '@risk/lm-runtime';
import type { NewsInput } from '@risk/reasoning';
import { loadConfig, ModelStatusRegistry, ServiceMetrics } from '@risk/platform';
import { NewsReasoningService } from './news-reasoning.service';

jest.setTimeout(60000);

/** The service on the shipped reasoner, as the engine opens it. */
async function open(): Promise<NewsReasoningService> {
  const cfg = loadConfig({ REASONING_THREADS: '1', REASONING_MAX_TOKENS: '16' });
  const svc = new NewsReasoningService(cfg, new ServiceMetrics(), new ModelStatusRegistry());
  await svc.onModuleInit();
  expect(svc.modelId).toMatch(/^risk-reasoner/);
  return svc;
}

const book = {
  holdings: [{ symbol: 'ACME', side: 'long' as const, sharePct: 18.25 }],
  grossPct: 18,
};
const move = (pct: string): NewsInput => ({
  headline: `ACME falls ${pct}% in minutes`,
  body: 'The move is 9.0 standard deviations of its recent volatility.',
  exposure: { symbol: 'ACME', side: 'long', quantity: 100, price: 182.4, sharePct: 18.25 },
  book,
});
const news: NewsInput = {
  headline: 'SEC opens probe into ACME accounting',
  body: 'The regulator asked for documents.',
  exposure: { symbol: 'ACME', side: 'long', quantity: 100, price: 182.4, sharePct: 18.25 },
  book,
};

describe('NewsReasoningService on the shipped reasoner: in flight, priority, superseded', () => {
  let svc: NewsReasoningService;
  let fresh: NewsReasoningService;

  beforeAll(async () => {
    svc = await open();
    fresh = await open();
  });

  afterAll(async () => {
    await svc.onApplicationShutdown();
    await fresh.onApplicationShutdown();
  });

  it('drops a stale move judgement; the newer one is judged as if the stale one never ran', async () => {
    const stale = svc.judge('pf', move('6.0'), 0, 'move');
    // A newer move for the same portfolio: the first is superseded, queued or running.
    const newer = svc.judge('pf', move('9.5'), 0, 'move');
    await expect(stale).rejects.toBeInstanceOf(SupersededError);
    const judged = await newer;
    // The dropped judgement left nothing in the portfolio's context.
    const reference = await fresh.judge('pf', move('9.5'));
    expect(judged!.probabilities).toEqual(reference!.probabilities);
    expect(judged!.rawChainOfThought).toBe(reference!.rawChainOfThought);
  });

  it('admits one judgement per portfolio at a time, news before a move queued earlier', async () => {
    const done: string[] = [];
    const running = svc.judge('pb', move('4.0'), 0, 'move').then(() => done.push('move'));
    const queuedCall = svc.judge('pb', move('5.0')).then(() => done.push('levels'));
    const newsCall = svc.judge('pb', news, 1, 'news:n1').then(() => done.push('news'));
    await Promise.all([running, queuedCall, newsCall]);
    expect(done).toEqual(['move', 'news', 'levels']);
  });

  it('a superseded kind leaves the other kinds of the portfolio alone', async () => {
    const m = svc.judge('pc', move('7.0'), 0, 'move');
    const n = svc.judge('pc', news, 1, 'news:n2');
    expect(svc.supersede('pc', 'move')).toBe(1);
    await expect(m).rejects.toBeInstanceOf(SupersededError);
    await expect(n).resolves.toMatchObject({ impact: expect.any(String) });
  });

  it('drops a judgement at its deadline; the next one is judged as if it never ran', async () => {
    const late = svc.judge('pd', news, 1, 'news:n3', { at: performance.now() + 5, budgetMs: 5 });
    await expect(late).rejects.toBeInstanceOf(DeadlineError);
    // Already past: never runs.
    await expect(
      svc.judge('pd', news, 1, 'news:n4', { at: performance.now() - 1, budgetMs: 1 }),
    ).rejects.toBeInstanceOf(DeadlineError);
    const judged = await svc.judge('pd', move('9.5'), 0, 'move');
    const reference = await fresh.judge('pd', move('9.5'));
    expect(judged!.probabilities).toEqual(reference!.probabilities);
  });

  it('refuses a judgement its class would not finish in time, measuring again with a probe of its own', async () => {
    const admission = new BudgetAdmission(0); // a probe every time the class is refused
    Object.assign(svc as unknown as Record<string, unknown>, { admission });
    // Cut at 5 ms: news is estimated to take at least that.
    const cut = svc.judge('pq', news, 1, 'news:q1', { at: performance.now() + 5, budgetMs: 5 });
    await expect(cut).rejects.toBeInstanceOf(DeadlineError);
    const estimated = admission.estimate('news')!;
    // 1 ms left of a 60 s budget: refused at once; the probe runs under its own key with the
    // whole budget, and its time becomes the estimate.
    await expect(
      svc.judge('pq', news, 1, 'news:q2', { at: performance.now() + 1, budgetMs: 60_000 }),
    ).rejects.toBeInstanceOf(DeadlineError);
    const deadline = Date.now() + 30_000;
    while (admission.estimate('news') === estimated && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(admission.estimate('news')).not.toBe(estimated);
    // Neither the refused call nor the probe left anything in the portfolio's context.
    expect(svc.hasContext('pq')).toBe(false);
    expect(svc.hasContext('probe:pq')).toBe(false);
    const judged = await svc.judge('pq', move('9.5'), 0, 'move');
    const reference = await fresh.judge('pq', move('9.5'));
    expect(judged!.probabilities).toEqual(reference!.probabilities);
  });
});
