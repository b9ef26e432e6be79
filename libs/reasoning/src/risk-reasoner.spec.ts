/**
 * @jest-environment <rootDir>/tools/reasoning/src/graph/ort-test-environment.ts
 */
import { SYSTEM_PROMPT, formatBook, formatPrompt } from './model';
import { ReasoningEngine } from '@risk/lm-runtime';
import { RiskReasoner, type NewsInput } from './risk-reasoner';
import { buildTempModel, openTestEngine } from '@risk/reasoning-tools/testing/model-fixture';

jest.setTimeout(60000);

const book = {
  holdings: [
    { symbol: 'ACME', side: 'long' as const, sharePct: 18.25 },
    { symbol: 'NOVA', side: 'short' as const, sharePct: 6 },
  ],
  grossPct: 24.25,
};
const item = (headline: string): NewsInput => ({
  headline,
  body: 'Shares moved in early trading.',
  exposure: { symbol: 'ACME', side: 'long', quantity: 100, price: 182.4, sharePct: 18.25 },
  book,
});

describe('RiskReasoner context (tiny random model)', () => {
  let cleanup: () => Promise<void>;
  let engine: ReasoningEngine;
  let reasoner: RiskReasoner;

  beforeAll(async () => {
    const built = await buildTempModel({ maxPositions: 1024 });
    cleanup = built.cleanup;
    engine = await openTestEngine(built.dir);
    reasoner = await RiskReasoner.open(built.dir, engine, {
      generate: false,
      maxReasoningTokens: 8,
    });
  });

  afterAll(async () => {
    await engine.close();
    await cleanup();
  });

  it('states the book as the snapshot line: top holdings by share, gross rounded', () => {
    expect(formatBook(book.holdings, book.grossPct)).toBe(
      'Book: gross 24% of nav; long ACME 18.3%, short NOVA 6.0%.\n',
    );
    expect(formatBook([], 0)).toBe('Book: gross 0% of nav; no positions.\n');
  });

  it('keeps system prompt, snapshot and earlier items in front; a new item costs only its tokens', async () => {
    const first = await reasoner.judge('p1', item('Acme Systems beats estimates'));
    const ctx1 = engine.tokenizer.decode([...engine.contextOf('p1')]);
    expect(ctx1.startsWith(SYSTEM_PROMPT + formatBook(book.holdings, book.grossPct))).toBe(true);
    expect(ctx1).toContain(
      formatPrompt(
        'Acme Systems beats estimates',
        'Shares moved in early trading.',
        item('').exposure,
      ),
    );
    // The system prompt's K/V is the shared root: even the first item reuses it.
    const systemTokens = engine.encode(SYSTEM_PROMPT).length;
    expect(first.timings.cachedTokens).toBeGreaterThanOrEqual(systemTokens);

    const second = await reasoner.judge('p1', item('Acme Systems cuts guidance'));
    const ctx2 = engine.tokenizer.decode([...engine.contextOf('p1')]);
    // The first item, with the judgement read from it, stays in front of the second.
    expect(ctx2).toContain(`Acme Systems beats estimates`);
    expect(ctx2.indexOf('beats estimates')).toBeLessThan(ctx2.indexOf('cuts guidance'));
    expect(second.timings.cachedTokens).toBeGreaterThan(ctx1.length / 8);
    const newItemTokens = engine.encode(
      formatPrompt(
        'Acme Systems cuts guidance',
        'Shares moved in early trading.',
        item('').exposure,
      ),
    ).length;
    expect(second.timings.newTokens).toBeLessThan(newItemTokens + 40);
    const probs = Object.values(second.probabilities);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('judges concurrent items for one portfolio one after another, as if called in turn', async () => {
    const headlines = [
      'Acme Systems wins contract',
      'Acme Systems recalls units',
      'Acme CFO resigns',
    ];
    // In turn on p2, all at once on p3: the same contexts and the same probabilities.
    const inTurn = [];
    for (const h of headlines) inTurn.push(await reasoner.judge('p2', item(h)));
    const atOnce = await Promise.all(headlines.map((h) => reasoner.judge('p3', item(h))));
    expect(engine.tokenizer.decode([...engine.contextOf('p3')])).toBe(
      engine.tokenizer.decode([...engine.contextOf('p2')]),
    );
    for (const [i, j] of atOnce.entries())
      for (const k of Object.keys(j.probabilities) as (keyof typeof j.probabilities)[])
        expect(j.probabilities[k]).toBeCloseTo(inTurn[i].probabilities[k], 5);
    expect(atOnce.map((j) => j.timings.newTokens)).toEqual(inTurn.map((j) => j.timings.newTokens));
  });

  it('when the log outgrows the context its oldest items leave; system prefix and brief stay', async () => {
    const short = new RiskReasoner(engine, 'tiny', {
      generate: false,
      maxReasoningTokens: 8,
      contextTokens: 400,
    });
    const headlines = Array.from({ length: 8 }, (_, i) => `Acme Systems item number ${i}`);
    for (const h of headlines) await short.judge('w1', item(h));
    const ctx = engine.tokenizer.decode([...engine.contextOf('w1')]);
    expect(ctx.startsWith(SYSTEM_PROMPT + formatBook(book.holdings, book.grossPct))).toBe(true);
    expect(ctx).not.toContain(headlines[0]);
    expect(ctx).toContain(headlines[7]);
    expect(engine.contextOf('w1').length).toBeLessThanOrEqual(400);
    const kept = short.logOf('w1').map((l) => l.headline);
    expect(kept[kept.length - 1]).toBe(headlines[7]);
    expect(kept.length).toBeLessThan(headlines.length);
  });

  it('restores a log (as rebuilt from PostgreSQL) in front of the next item; forget drops it', async () => {
    const restored = {
      headline: 'Acme Systems restated earnings',
      body: '',
      exposure: item('').exposure,
      chainOfThought: '',
      impact: 'negative' as const,
    };
    await reasoner.restore('r1', [restored]);
    // A portfolio that already has a log keeps it.
    await reasoner.restore('r1', [{ ...restored, headline: 'ignored' }]);
    expect(reasoner.logOf('r1').map((l) => l.headline)).toEqual([restored.headline]);
    await reasoner.judge('r1', item('Acme Systems opens a plant'));
    const ctx = engine.tokenizer.decode([...engine.contextOf('r1')]);
    expect(ctx.indexOf('restated earnings')).toBeGreaterThan(0);
    expect(ctx.indexOf('restated earnings')).toBeLessThan(ctx.indexOf('opens a plant'));

    reasoner.forget('r1');
    expect(reasoner.logOf('r1')).toEqual([]);
    expect(engine.contextOf('r1')).toEqual([]);
  });
});
