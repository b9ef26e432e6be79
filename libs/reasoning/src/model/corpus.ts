import { mulberry32 } from '@risk/lm-runtime/prng';
import { EVENT_KINDS, EventKind } from './event-kinds';
import { Impact, Judgement, SIZE_BUCKETS, SIZE_RANGES, Side, SizeBucket, judge } from './judgement';

/** What the portfolio holds of the named symbol (quantity and price absent when side is none). */
export interface Exposure {
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /** Share of nav in percent, as stated in the prompt. */
  sharePct: number;
}

export interface RiskExample {
  kind: string;
  company: string;
  headline: string;
  body: string;
  exposure: Exposure;
  judgement: Judgement;
  chainOfThought: string;
  prompt: string;
  completion: string;
  /** Which held-out axes this example exercises (all false in the training split). */
  heldOut: { entity: boolean; wording: boolean; combination: boolean };
}

export const IMPACT_TEXT: Readonly<Record<Impact, string>> = {
  severe_negative: 'severe negative',
  negative: 'negative',
  neutral: 'neutral',
  positive: 'positive',
};

/** End-of-answer marker (the tokenizer's `<|im_end|>`, the model's EOS). */
export const END_OF_ANSWER = '<|im_end|>';

/**
 * Constrained scoring reads the judgement as the probability of each option after the prompt.
 * Each option carries its line break so that ` negative` and ` severe negative` are whole
 * completions, not prefixes of each other's continuations.
 */
export const IMPACT_OPTIONS: readonly { impact: Impact; text: string }[] = (
  ['severe_negative', 'negative', 'neutral', 'positive'] as const
).map((impact) => ({ impact, text: ` ${IMPACT_TEXT[impact]}\n` }));

export function formatPosition(e: Exposure): string {
  if (e.side === 'none') return `none in ${e.symbol}`;
  return `${e.side} ${e.quantity} ${e.symbol} at ${formatPrice(e.price)} = ${formatShare(e.sharePct)}% of nav`;
}

export function formatPrice(price: number): string {
  return price.toFixed(2);
}

/** Two decimals below 0.3 % (tiny positions), one above. */
export function formatShare(sharePct: number): string {
  return sharePct < 0.3 ? sharePct.toFixed(2) : sharePct.toFixed(1);
}

export function formatNavEffect(navEffectPct: number): string {
  return Math.abs(navEffectPct).toFixed(2);
}

/**
 * The prompt, up to `Reasoning:`. The model reasons first (the chain of thought is generated
 * greedily), then the judgement is read by constrained scoring after `Impact:`.
 */
export function formatPrompt(headline: string, body: string, exposure: Exposure): string {
  return `News: ${headline}. ${body}\nPosition: ${formatPosition(exposure)}.\nReasoning:`;
}

/** The system prompt every portfolio's context starts with (RiskReasoner, ReasoningEngine). */
export const SYSTEM_PROMPT = 'System: judge how each news item moves this portfolio.\n';

/** One holding as the book's snapshot line states it. */
export interface BookHolding {
  symbol: string;
  side: 'long' | 'short';
  sharePct: number;
}

/** The book's snapshot line: gross exposure and the three largest holdings by share of nav. */
export function formatBook(holdings: readonly BookHolding[], grossPct: number): string {
  const top = [...holdings].sort((a, b) => b.sharePct - a.sharePct).slice(0, 3);
  const listed = top.map((h) => `${h.side} ${h.symbol} ${formatShare(h.sharePct)}%`).join(', ');
  return `Book: gross ${grossPct.toFixed(0)}% of nav; ${listed || 'no positions'}.\n`;
}

/** Where generation stops: the chain of thought is done, the judgement follows. */
export const JUDGEMENT_CUE = '\nImpact:';

/** The chain of thought in a generated continuation of the prompt (up to the judgement cue). */
export function generatedReasoning(text: string): string {
  const cut = text.indexOf(JUDGEMENT_CUE);
  return (cut >= 0 ? text.slice(0, cut) : text).replace(/<\|im_end\|>[\s\S]*$/, '').trim();
}

/** The context the impact options are scored on: prompt, (grounded) reasoning, `Impact:`. */
export function judgementContext(prompt: string, chainOfThought: string): string {
  return `${prompt} ${chainOfThought}${JUDGEMENT_CUE}`;
}

/** The judgement lines that close a completion (the loss weighs them more). */
export function formatJudgement(j: Judgement): string {
  return `Impact: ${IMPACT_TEXT[j.impact]}\nSeverity: ${j.severity}${END_OF_ANSWER}`;
}

/** Step-by-step reasoning from the headline and the exposure to the judgement. */
export function chainOfThought(kind: EventKind, exposure: Exposure, j: Judgement): string {
  const event = `Event: ${kind.phrase.replace('{sym}', exposure.symbol)}.`;
  if (exposure.side === 'none') {
    return `${event} Exposure: no position in ${exposure.symbol}. Nothing held is exposed, so impact neutral.`;
  }
  const exp = `Exposure: ${exposure.side} ${exposure.quantity} ${exposure.symbol} = ${formatShare(exposure.sharePct)}% of nav.`;
  if (kind.direction === 0) {
    return `${event} ${exp} ${kind.rationale}, so impact neutral.`;
  }
  const move = `${kind.rationale} by about ${kind.typicalMovePct}%;`;
  const gains = j.navEffectPct > 0;
  const verb = gains ? 'gains' : 'loses';
  if (j.impact === 'neutral') {
    return `${event} ${exp} ${move} a ${exposure.side} ${verb} but the position is immaterial, so impact neutral.`;
  }
  return `${event} ${exp} ${move} a ${exposure.side} ${verb} about ${formatNavEffect(j.navEffectPct)}% of nav, so impact ${IMPACT_TEXT[j.impact]}, ${j.severity}.`;
}

export function formatCompletion(j: Judgement, cot: string): string {
  return ` ${cot}\n${formatJudgement(j)}`;
}

/** Entities, wordings and combinations of the two splits; disjoint where the split holds out. */
export interface SplitPlan {
  trainSymbols: string[];
  testSymbols: string[];
  trainCompanies: string[];
  testCompanies: string[];
  /** Per kind, the index of the headline template only the test split uses. */
  heldOutHeadline: Record<string, number>;
  /** `kind|side|bucket` keys only the test split uses. */
  heldOutCombos: Set<string>;
}

const NAME_STEMS = [
  'Acme', 'Borealis', 'Cobalt', 'Dynamo', 'Evergreen', 'Falcon', 'Granite', 'Harbor', 'Ionic',
  'Juniper', 'Keystone', 'Lumen', 'Meridian', 'Nimbus', 'Orion', 'Pinnacle', 'Quantum', 'Redwood',
  'Summit', 'Titan', 'Umbra', 'Vertex', 'Willow', 'Xenon', 'Yellowstone', 'Zephyr', 'Atlas',
  'Beacon', 'Cedar', 'Delta', 'Ember', 'Frontier', 'Glacier', 'Helix', 'Indigo', 'Jasper', 'Kestrel',
  'Lattice', 'Mosaic', 'Northstar', 'Onyx', 'Prairie', 'Quarry', 'Radiant', 'Sierra', 'Tundra',
  'Unity', 'Vanguard', 'Wavecrest', 'Aurora', 'Bluebird', 'Crescent', 'Drummond', 'Eastgate',
  'Fairview', 'Goldleaf', 'Highland', 'Ironwood', 'Jetstream', 'Kingsley', 'Lakeshore', 'Monarch',
]; // prettier-ignore

const NAME_SUFFIXES = [
  'Corp', 'Holdings', 'Industries', 'Group', 'Labs', 'Energy', 'Mining', 'Pharma', 'Bank',
  'Motors', 'Systems', 'Foods', 'Logistics', 'Networks', 'Retail', 'Capital',
]; // prettier-ignore

const QUARTERS = ['first', 'second', 'third', 'fourth'];
const SIDES_HELD: readonly Side[] = ['long', 'short'];

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function uniform(rng: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

function comboKey(kind: string, side: Side, bucket: SizeBucket): string {
  return `${kind}|${side}|${bucket}`;
}

/** Deterministic split: 80 % of symbols and name stems train, the rest are only ever tested. */
export function planSplits(seed: number): SplitPlan {
  const rng = mulberry32(seed);
  const symbols = new Set<string>();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  while (symbols.size < 500) {
    const len = rng() < 0.5 ? 3 : 4;
    let s = '';
    for (let i = 0; i < len; i++) s += letters[Math.floor(rng() * 26)];
    symbols.add(s);
  }
  const all = [...symbols];
  const stems = [...NAME_STEMS];
  const companiesOf = (list: string[]): string[] =>
    list.flatMap((stem) => NAME_SUFFIXES.map((suffix) => `${stem} ${suffix}`));
  const heldOutHeadline: Record<string, number> = {};
  const heldOutCombos = new Set<string>();
  for (const kind of EVENT_KINDS) {
    heldOutHeadline[kind.id] = Math.floor(rng() * kind.headlines.length);
    if (kind.direction === 0) continue;
    // One (side, size) cell per kind is never trained on.
    heldOutCombos.add(comboKey(kind.id, pick(rng, SIDES_HELD), pick(rng, SIZE_BUCKETS.slice(1))));
  }
  return {
    trainSymbols: all.slice(0, 400),
    testSymbols: all.slice(400),
    trainCompanies: companiesOf(stems.slice(0, 50)),
    testCompanies: companiesOf(stems.slice(50)),
    heldOutHeadline,
    heldOutCombos,
  };
}

export interface ExampleChoice {
  kind: EventKind;
  side: Side;
  bucket: SizeBucket;
  headlineIndex: number;
}

function fillTemplate(template: string, rng: () => number, co: string, sym: string): string {
  return template
    .replace(/\{co\}/g, co)
    .replace(/\{sym\}/g, sym)
    .replace(/\{pct\}/g, () => String(2 + Math.floor(rng() * 38)))
    .replace(/\{amt\}/g, () => (0.5 + rng() * 20).toFixed(1))
    .replace(/\{q\}/g, () => pick(rng, QUARTERS));
}

/**
 * The context the service puts in front of an item (RiskReasoner): the fixed system prompt, the
 * book's snapshot line, and sometimes an earlier item with its reasoning and judgement. Half of
 * all examples carry it, so the model works with and without; a fixed system prompt also keeps
 * the sliding window's global tokens the same for every portfolio.
 */
export interface EntityPool {
  symbols: readonly string[];
  companies: readonly string[];
  /** Which choices an earlier item may use (training keeps out the held-out cells). */
  accept?: (c: ExampleChoice) => boolean;
}

function contextPrefix(rng: () => number, exposure: Exposure, pool: EntityPool): string {
  const { symbols, companies } = pool;
  if (rng() < 0.5) return '';
  const holdings: BookHolding[] = [];
  if (exposure.side !== 'none') holdings.push({ ...exposure, side: exposure.side });
  const others = Math.floor(rng() * 3);
  for (let i = 0; i < others; i++) {
    const symbol = pick(rng, symbols);
    if (symbol === exposure.symbol || holdings.some((h) => h.symbol === symbol)) continue;
    holdings.push({
      symbol,
      side: rng() < 0.8 ? 'long' : 'short',
      sharePct: Number(formatShare(uniform(rng, 0.5, 30))),
    });
  }
  const gross = holdings.reduce((a, h) => a + h.sharePct, 0) + uniform(rng, 0, 80);
  let prefix = SYSTEM_PROMPT + formatBook(holdings, gross);
  if (rng() < 0.3) {
    let c = randomChoice(rng);
    while (pool.accept && !pool.accept(c)) c = randomChoice(rng);
    const sym = pick(rng, symbols);
    const prev = buildItem(rng, c, pick(rng, companies), sym);
    prefix += `${judgementContext(prev.prompt, prev.chainOfThought)} ${IMPACT_TEXT[prev.judgement.impact]}\n`;
  }
  return prefix;
}

function buildExample(
  rng: () => number,
  choice: ExampleChoice,
  company: string,
  symbol: string,
  heldOut: RiskExample['heldOut'],
  pool: EntityPool,
  text?: { headline: string; body: string },
): RiskExample {
  const item = buildItem(rng, choice, company, symbol, text);
  const prefix = contextPrefix(rng, item.exposure, pool);
  return { ...item, prompt: prefix + item.prompt, heldOut };
}

/** A news text from elsewhere (the market simulator's catalog), labelled as one of EVENT_KINDS. */
export interface ExternalWording {
  kindId: string;
  headline: string;
  body: string;
  company: string;
  symbol: string;
}

/**
 * Examples whose headline and body come from `source` (another wording of a known kind), with a
 * random side, size and context as in the training set. Labels follow the kind's rule.
 */
export function generateWordingExamples(
  source: (rng: () => number) => ExternalWording,
  count: number,
  seed: number,
  pool: EntityPool,
): RiskExample[] {
  const rng = mulberry32(seed);
  const out: RiskExample[] = [];
  while (out.length < count) {
    const w = source(rng);
    const kind = EVENT_KINDS.find((k) => k.id === w.kindId);
    if (kind === undefined) throw new Error(`unknown event kind ${w.kindId}`);
    const c = { ...randomChoice(rng), kind };
    const heldOut = { entity: false, wording: false, combination: false };
    out.push(buildExample(rng, c, w.company, w.symbol, heldOut, pool, w));
  }
  return out;
}

function buildItem(
  rng: () => number,
  choice: ExampleChoice,
  company: string,
  symbol: string,
  text?: { headline: string; body: string },
): Omit<RiskExample, 'heldOut'> {
  const { kind, side } = choice;
  const [lo, hi] = SIZE_RANGES[choice.bucket];
  const sharePct = Number(formatShare(uniform(rng, lo, hi)));
  const exposure: Exposure =
    side === 'none'
      ? { symbol, side, quantity: 0, price: 0, sharePct: 0 }
      : {
          symbol,
          side,
          quantity: (1 + Math.floor(rng() * 50)) * (rng() < 0.5 ? 10 : 100),
          price: Number(uniform(rng, 5, 400).toFixed(2)),
          sharePct,
        };
  const judgement = judge(kind, side, exposure.sharePct);
  const headline =
    text?.headline ?? fillTemplate(kind.headlines[choice.headlineIndex], rng, company, symbol);
  const body = text?.body ?? fillTemplate(pick(rng, kind.bodies), rng, company, symbol);
  const cot = chainOfThought(kind, exposure, judgement);
  return {
    kind: kind.id,
    company,
    headline,
    body,
    exposure,
    judgement,
    chainOfThought: cot,
    prompt: formatPrompt(headline, body, exposure),
    completion: formatCompletion(judgement, cot),
  };
}

function randomChoice(rng: () => number): ExampleChoice {
  const kind = pick(rng, EVENT_KINDS);
  const r = rng();
  const side: Side = r < 0.5 ? 'long' : r < 0.82 ? 'short' : 'none';
  return {
    kind,
    side,
    bucket: pick(rng, SIZE_BUCKETS),
    headlineIndex: Math.floor(rng() * kind.headlines.length),
  };
}

/** Training examples: seen entities, wordings and combinations only. */
/** The entities and cells the training split may use (also for earlier items in a context). */
export function trainingPool(plan: SplitPlan): EntityPool {
  return {
    symbols: plan.trainSymbols,
    companies: plan.trainCompanies,
    accept: (c) =>
      c.headlineIndex !== plan.heldOutHeadline[c.kind.id] &&
      !plan.heldOutCombos.has(comboKey(c.kind.id, c.side, c.bucket)),
  };
}

export function generateTrainingSet(plan: SplitPlan, count: number, seed: number): RiskExample[] {
  const rng = mulberry32(seed);
  const pool = trainingPool(plan);
  const out: RiskExample[] = [];
  while (out.length < count) {
    const c = randomChoice(rng);
    if (!pool.accept!(c)) continue;
    const company = pick(rng, plan.trainCompanies);
    const symbol = pick(rng, plan.trainSymbols);
    out.push(
      buildExample(
        rng,
        c,
        company,
        symbol,
        { entity: false, wording: false, combination: false },
        pool,
      ),
    );
  }
  return out;
}

/**
 * Held-out examples: every one names an unseen company and symbol; a third use the held-out
 * wording, a third a held-out (kind, side, size) combination, the rest anything.
 */
export function generateHeldOutSet(plan: SplitPlan, count: number, seed: number): RiskExample[] {
  const rng = mulberry32(seed);
  const combos = [...plan.heldOutCombos].map((key) => key.split('|'));
  const out: RiskExample[] = [];
  for (let i = 0; i < count; i++) {
    let c = randomChoice(rng);
    if (i % 3 === 0) {
      c = { ...c, headlineIndex: plan.heldOutHeadline[c.kind.id] };
    } else if (i % 3 === 1) {
      const [kindId, side, bucket] = pick(rng, combos);
      const kind = EVENT_KINDS.find((k) => k.id === kindId) as EventKind;
      c = {
        kind,
        side: side as Side,
        bucket: bucket as SizeBucket,
        headlineIndex: Math.floor(rng() * kind.headlines.length),
      };
    }
    const company = pick(rng, plan.testCompanies);
    const symbol = pick(rng, plan.testSymbols);
    out.push(
      buildExample(
        rng,
        c,
        company,
        symbol,
        {
          entity: true,
          wording: c.headlineIndex === plan.heldOutHeadline[c.kind.id],
          combination: plan.heldOutCombos.has(comboKey(c.kind.id, c.side, c.bucket)),
        },
        { symbols: plan.testSymbols, companies: plan.testCompanies },
      ),
    );
  }
  return out;
}

/** Text the tokenizer's merges are learned from (training split only: test entities stay unseen). */
export function tokenizerCorpus(examples: readonly RiskExample[]): string {
  return examples.map((e) => e.prompt + e.completion.replace(END_OF_ANSWER, '')).join('\n');
}
