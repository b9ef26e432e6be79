/**
 * Grounded figures: every number a generated chain-of-thought step states is checked against the
 * inputs it can only have come from. A wrong figure is replaced by the input's figure; a step with
 * a figure that matches no input (or whose input does not exist) is dropped. A risk officer never
 * reads a number the inputs do not back.
 */
import { Exposure } from './corpus';
import { eventKindNamedIn } from './event-kinds';
import { Side } from './judgement';

export interface GroundingFacts {
  /** The position's ticker: any other ticker-like word in a step is replaced by it. */
  symbol?: string;
  side: Side;
  quantity: number;
  price: number;
  /** Share of nav in percent. */
  sharePct: number;
  /**
   * The typical move in percent of the event kind the chain of thought names (a table figure);
   * without it, a step stating a move or a nav effect cannot be verified and is dropped.
   */
  typicalMovePct?: number;
}

export type FigureRole = 'quantity' | 'price' | 'share' | 'move' | 'nav_effect';

export interface CheckedFigure {
  role: FigureRole | 'unknown';
  stated: string;
  /** What the shown text says (absent when the step was dropped). */
  shown?: string;
  outcome: 'matched' | 'corrected' | 'dropped';
}

export interface GroundingCounts {
  checked: number;
  matched: number;
  corrected: number;
  dropped: number;
  stepsDropped: number;
  /** Side words (long/short) that contradicted the position and were replaced. */
  sidesCorrected: number;
  /** Tickers that were not the position's and were replaced. */
  symbolsCorrected: number;
}

export interface GroundingResult {
  /** The chain of thought as it may be shown: corrected figures, unbacked steps removed. */
  text: string;
  figures: CheckedFigure[];
  counts: GroundingCounts;
}

const NUMBER = /\d+(?:\.\d+)?/g;

/** Splits after a period or semicolon followed by a space (decimal points are not followed by one). */
export function splitSteps(text: string): string[] {
  return text
    .split(/(?<=[.;])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function roleOf(before: string, after: string): FigureRole | 'unknown' {
  if (/\b(long|short)\s+$/.test(before)) return 'quantity';
  if (/\bat\s+\$?$/.test(before)) return 'price';
  if (/^\s*%\s+of\s+nav/i.test(after)) return /=\s*$/.test(before) ? 'share' : 'nav_effect';
  if (/^\s*%/.test(after) && /\babout\s+$/.test(before)) return 'move';
  return 'unknown';
}

function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * The input's figure for a role, written with the decimals the text used (at least those the
 * input needs, so a rounded-away digit is a mismatch, not a match).
 */
function expected(role: FigureRole, facts: GroundingFacts): number | undefined {
  const held = facts.side !== 'none';
  switch (role) {
    case 'quantity':
      return held ? facts.quantity : undefined;
    case 'price':
      return held ? facts.price : undefined;
    case 'share':
      return held ? facts.sharePct : undefined;
    case 'move':
      return facts.typicalMovePct;
    case 'nav_effect': {
      const move = facts.typicalMovePct;
      return held && move !== undefined ? (move * facts.sharePct) / 100 : undefined;
    }
  }
}

function canonical(role: FigureRole, value: number, stated: string): string {
  switch (role) {
    case 'quantity':
    case 'move':
      return String(Math.round(value));
    case 'price':
      return value.toFixed(2);
    case 'share':
      return value < 0.3 ? value.toFixed(2) : value.toFixed(1);
    case 'nav_effect':
      return value.toFixed(Math.max(2, decimalsOf(stated)));
  }
}

/**
 * A ticker-like word: capitals, with an optional share-class suffix (`GRP.B`, `BRK.A`), taken
 * whole so that a dotted ticker is never read as two words.
 */
const TICKER_WORD = /(?<![A-Za-z0-9.])[A-Z]{1,5}(?:\.[A-Z]{1,2})?(?![A-Za-z0-9]|\.[A-Za-z0-9])/g;

/** Words in capitals that news and reasoning use and that are not tickers. */
const ACRONYMS = new Set([
  'SEC', 'CEO', 'CFO', 'COO', 'CTO', 'FDA', 'DOJ', 'FTC', 'FCC', 'FAA', 'EPA', 'IRS', 'EU', 'US',
  'USA', 'UK', 'UN', 'IPO', 'EPS', 'GDP', 'CPI', 'AI', 'IT', 'AGM', 'ESG', 'M&A', 'NAV', 'OPEC',
  'ECB', 'FED', 'IMF', 'CMA', 'OCC', 'FDIC', 'NYSE', 'LSEG', 'ETF', 'R&D', 'Q', 'I', 'A',
]); // prettier-ignore

/** Edit distance of two short words, capped: 0, 1 or 2 (= more). */
function nearlyEqual(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, y: string) =>
    x.slice(i + 1) === y.slice(i + (x.length === y.length ? 1 : 0));
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? rest(a, b) : rest(b, a);
}

/**
 * Replaces misspelt tickers by the position's `symbol`: a ticker-like word one edit away from it
 * (ACNE for ACME), or any ticker-like word in the exposure slot ("short 300 XYZ"). Acronyms (SEC,
 * CEO) and the symbol itself, dotted or not, are left as they are.
 */
export function correctTickers(text: string, symbol: string): { text: string; corrected: number } {
  let corrected = 0;
  const out = text.replace(TICKER_WORD, (word, offset: number) => {
    if (word === symbol || ACRONYMS.has(word)) return word;
    const inSlot = /\b(?:long|short)\s+\d+\s+$/.test(text.slice(0, offset));
    if (!inSlot && (word.length < 2 || !nearlyEqual(word, symbol))) return word;
    corrected++;
    return symbol;
  });
  return { text: out, corrected };
}

/** Checks one step; returns the shown step (undefined = drop it) and its figures. */
function groundStep(
  step: string,
  facts: GroundingFacts,
): {
  shown: string | undefined;
  figures: CheckedFigure[];
  sidesCorrected: number;
  symbolsCorrected: number;
} {
  const figures: CheckedFigure[] = [];
  let drop = false;
  let shown = '';
  let last = 0;
  for (const m of step.matchAll(NUMBER)) {
    const at = m.index;
    const stated = m[0];
    const before = step.slice(0, at);
    const after = step.slice(at + stated.length);
    const role = roleOf(before, after);
    const want = role === 'unknown' ? undefined : expected(role, facts);
    shown += step.slice(last, at);
    last = at + stated.length;
    if (role === 'unknown' || want === undefined) {
      drop = true;
      figures.push({ role, stated, outcome: 'dropped' });
      shown += stated;
      continue;
    }
    const right = canonical(role, want, stated);
    if (Number(stated) === Number(right)) {
      figures.push({ role, stated, shown: stated, outcome: 'matched' });
      shown += stated;
    } else {
      figures.push({ role, stated, shown: right, outcome: 'corrected' });
      shown += right;
    }
  }
  shown += step.slice(last);
  // A stated side that contradicts the position is corrected too.
  let sidesCorrected = 0;
  if (!drop && facts.side !== 'none') {
    const side = facts.side;
    shown = shown.replace(/\b(long|short)\b/g, (word) => {
      if (word === side) return word;
      sidesCorrected++;
      return side;
    });
  }
  if (drop) {
    for (const f of figures) {
      f.outcome = 'dropped';
      delete f.shown;
    }
    return { shown: undefined, figures, sidesCorrected: 0, symbolsCorrected: 0 };
  }
  // The chain of thought names one instrument: a misspelt ticker is replaced by the input's.
  let symbolsCorrected = 0;
  const symbol = facts.symbol;
  if (symbol) {
    const r = correctTickers(shown, symbol);
    shown = r.text;
    symbolsCorrected = r.corrected;
  }
  return { shown, figures, sidesCorrected, symbolsCorrected };
}

export function groundChainOfThought(text: string, facts: GroundingFacts): GroundingResult {
  const figures: CheckedFigure[] = [];
  const kept: string[] = [];
  let stepsDropped = 0;
  let sidesCorrected = 0;
  let symbolsCorrected = 0;
  for (const step of splitSteps(text)) {
    const r = groundStep(step, facts);
    figures.push(...r.figures);
    sidesCorrected += r.sidesCorrected;
    symbolsCorrected += r.symbolsCorrected;
    if (r.shown === undefined) stepsDropped++;
    else kept.push(r.shown);
  }
  const count = (o: CheckedFigure['outcome']): number =>
    figures.filter((f) => f.outcome === o).length;
  return {
    text: kept.join(' '),
    figures,
    counts: {
      checked: figures.length,
      matched: count('matched'),
      corrected: count('corrected'),
      dropped: count('dropped'),
      stepsDropped,
      sidesCorrected,
      symbolsCorrected,
    },
  };
}

/**
 * What a chain of thought about this exposure may state: the position's figures, and the typical
 * move of the event kind the chain of thought itself names (from the event table).
 */
export function groundingFactsFor(exposure: Exposure, chainOfThought: string): GroundingFacts {
  return {
    symbol: exposure.symbol,
    side: exposure.side,
    quantity: exposure.quantity,
    price: exposure.price,
    sharePct: exposure.sharePct,
    typicalMovePct: eventKindNamedIn(chainOfThought)?.typicalMovePct,
  };
}
