import {
  IMPACT_OPTIONS,
  SYSTEM_PROMPT,
  chainOfThought,
  generateWordingExamples,
  formatPrompt,
  generateHeldOutSet,
  generateTrainingSet,
  generatedReasoning,
  judgementContext,
  planSplits,
} from './corpus';
import { EVENT_KINDS, eventKind, eventKindNamedIn } from './event-kinds';
import { groundChainOfThought } from './grounding';
import { judge } from './judgement';

describe('risk corpus', () => {
  const plan = planSplits(7);
  const train = generateTrainingSet(plan, 3000, 11);
  const test = generateHeldOutSet(plan, 600, 13);

  it('is deterministic for a seed', () => {
    expect(generateTrainingSet(planSplits(7), 50, 11)).toEqual(train.slice(0, 50));
    expect(generateTrainingSet(plan, 50, 12)).not.toEqual(train.slice(0, 50));
  });

  it('covers many event kinds, each in several wordings', () => {
    expect(EVENT_KINDS.length).toBeGreaterThanOrEqual(20);
    for (const k of EVENT_KINDS) expect(k.headlines.length).toBeGreaterThanOrEqual(4);
    expect(new Set(train.map((e) => e.kind)).size).toBe(EVENT_KINDS.length);
  });

  it('holds out entities: no test symbol or company appears in training', () => {
    const trainSymbols = new Set(train.map((e) => e.exposure.symbol));
    const trainCompanies = new Set(train.map((e) => e.company));
    for (const e of test) {
      expect(trainSymbols.has(e.exposure.symbol)).toBe(false);
      expect(trainCompanies.has(e.company)).toBe(false);
      expect(e.heldOut.entity).toBe(true);
    }
  });

  it('holds out one headline wording per kind and one (kind, side, size) cell per kind', () => {
    const trainHeadlines = new Set(
      train.map((e) => e.headline.replace(e.company, '{co}').replace(e.exposure.symbol, '{sym}')),
    );
    for (const kind of EVENT_KINDS) {
      const held = kind.headlines[plan.heldOutHeadline[kind.id]];
      // Filler figures vary, so compare the template's words before any slot but {co}/{sym}.
      const prefix = held.split(/\{(?:pct|amt|q)\}/)[0];
      expect([...trainHeadlines].some((h) => h.startsWith(prefix) && prefix.length > 8)).toBe(
        false,
      );
    }
    const key = (e: (typeof train)[number]): string => {
      const s = e.exposure.sharePct;
      const bucket = s < 0.3 ? 'tiny' : s < 2 ? 'small' : s < 5 ? 'medium' : 'large';
      return `${e.kind}|${e.exposure.side}|${bucket}`;
    };
    for (const e of train) expect(plan.heldOutCombos.has(key(e))).toBe(false);
    expect(test.filter((e) => e.heldOut.wording).length).toBeGreaterThan(150);
    expect(test.filter((e) => e.heldOut.combination).length).toBeGreaterThan(150);
  });

  it('puts the reasoning first, then the judgement that constrained scoring reads', () => {
    for (const e of [...train.slice(0, 200), ...test.slice(0, 200)]) {
      expect(e.prompt.endsWith('\nReasoning:')).toBe(true);
      expect(generatedReasoning(e.completion)).toBe(e.chainOfThought);
      const full = e.prompt + e.completion;
      const context = judgementContext(e.prompt, e.chainOfThought);
      const option = IMPACT_OPTIONS.find((o) => full.startsWith(context + o.text));
      expect(option?.impact).toBe(e.judgement.impact);
      expect(e.completion.endsWith('<|im_end|>')).toBe(true);
    }
  });

  it('writes a chain of thought whose figures all match the inputs', () => {
    for (const e of train.slice(0, 300)) {
      const g = groundChainOfThought(e.chainOfThought, {
        ...e.exposure,
        typicalMovePct: eventKindNamedIn(e.chainOfThought)?.typicalMovePct,
      });
      expect(eventKindNamedIn(e.chainOfThought)?.id).toBe(e.kind);
      expect(g.counts.matched).toBe(g.counts.checked);
      expect(g.text).toBe(e.chainOfThought);
    }
  });

  it('reasons as in the issue: a probe against a short is a small positive', () => {
    const kind = eventKind('regulatory_probe');
    const exposure = {
      symbol: 'ACME',
      side: 'short' as const,
      quantity: 300,
      price: 41.2,
      sharePct: 2.1,
    };
    const j = judge(kind, 'short', 2.1);
    expect(chainOfThought(kind, exposure, j)).toBe(
      'Event: regulatory probe into ACME. Exposure: short 300 ACME = 2.1% of nav. A probe usually moves the stock down by about 6%; a short gains about 0.13% of nav, so impact positive, moderate.',
    );
    expect(
      formatPrompt('Regulators open probe into Acme Corp (ACME)', 'No details.', exposure),
    ).toBe(
      'News: Regulators open probe into Acme Corp (ACME). No details.\nPosition: short 300 ACME at 41.20 = 2.1% of nav.\nReasoning:',
    );
  });

  it('puts the service context (system prompt, book line, sometimes an earlier item) in front of half', () => {
    const withContext = train.filter((e) => e.prompt.startsWith(SYSTEM_PROMPT));
    expect(withContext.length / train.length).toBeGreaterThan(0.4);
    expect(withContext.length / train.length).toBeLessThan(0.6);
    for (const e of withContext.slice(0, 200)) {
      expect(e.prompt.split('\n')[1]).toMatch(/^Book: gross \d+% of nav; /);
      // The item judged is the last one: its prompt closes the context.
      expect(e.prompt.endsWith(formatPrompt(e.headline, e.body, e.exposure))).toBe(true);
    }
    const earlier = withContext.filter((e) => e.prompt.split('News: ').length > 2);
    expect(earlier.length).toBeGreaterThan(withContext.length * 0.2);
    for (const e of earlier.slice(0, 50)) expect(e.prompt).toMatch(/\nImpact: [a-z ]+\nNews: /);
    // Large positions reach 40% of nav (concentrated books).
    expect(Math.max(...train.map((e) => e.exposure.sharePct))).toBeGreaterThan(30);
  });

  it('labels outside wordings by their event kind, with random sides and sizes', () => {
    const ex = generateWordingExamples(
      () => ({
        kindId: 'guidance_cut',
        headline: 'Widget Co slashes its outlook',
        body: '',
        company: 'Widget Co',
        symbol: 'WDGT',
      }),
      200,
      5,
      { symbols: ['WDGT', 'ABC'], companies: ['Widget Co'] },
    );
    for (const e of ex) {
      expect(e.prompt).toContain('News: Widget Co slashes its outlook. \nPosition: ');
      expect(e.judgement).toEqual(
        judge(eventKind('guidance_cut'), e.exposure.side, e.exposure.sharePct),
      );
    }
    expect(new Set(ex.map((e) => e.judgement.impact)).size).toBeGreaterThanOrEqual(3);
  });
});
