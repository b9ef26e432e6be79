import { COMMON_WORDS } from './common-words';
import type { GraphInstrument } from './graph-types';
import { ORGANIZATIONAL_WORDS, stripLegalForm, tokenize, type Token } from './names';

/**
 * The second stage of entity linking (docs/knowledge-graph.md § Entity linking): company
 * mentions the exact stage does not find ("Harowgate Devices", "Halcyon Air", "Kestral"),
 * matched by the cosine of a sentence encoder's vectors of the mention and of each company's
 * names. The encoder is injected (`embed`: texts → unit vectors), so this library stays free of
 * any model runtime; the engine passes the news encoder.
 */

/** Texts → L2-normalised vectors, one per text, in order. */
export type Embed = (texts: readonly string[]) => Promise<Float32Array[]>;

export interface FuzzyMention {
  issuer: string;
  symbol: string;
  /** The words of the text that were matched. */
  text: string;
  /** The company name or alias they matched. */
  name: string;
  /** The encoder's cosine of the two. */
  cosine: number;
  /** What the threshold is compared with (matchScore). */
  score: number;
}

export interface FuzzyLinkOptions {
  /** A mention links when its best score (matchScore) is at least this (measured: bench:graph). */
  threshold: number;
  /** Spans read per text, headline first (each is one encoder call). */
  maxSpans?: number;
}

/**
 * The threshold measured on the development set (data/knowledge-graph/linking-*.jsonl) with the
 * news encoder all-MiniLM-L6-v2-q: the lowest cosine at which both stages together keep
 * precision ≥ 0.95 (bench:graph prints the sweep).
 */
export const FUZZY_LINK_THRESHOLD = 0.63;

/** Words of a span at most; company names rarely run longer without a legal form. */
const MAX_SPAN_WORDS = 4;
const DEFAULT_MAX_SPANS = 24;

const capitalized = (t: Token): boolean => /^\p{Lu}/u.test(t.raw);
const letters = (ts: readonly Token[]): number => ts.reduce((n, t) => n + t.norm.length, 0);

interface NameVector {
  issuer: string;
  symbol: string;
  name: string;
  vector: Float32Array;
  grams: Set<string>;
}

/** A company's names as the fuzzy stage reads them: name without legal form, and each alias. */
export function namesToEmbed(
  instruments: Iterable<GraphInstrument>,
): { issuer: string; symbol: string; name: string }[] {
  const owners = new Map<string, Set<string>>();
  const out: { issuer: string; symbol: string; name: string }[] = [];
  for (const i of instruments) {
    const names = [...i.aliases];
    if (i.type === 'equity' || i.type === 'etf' || i.type === 'other') names.unshift(i.name);
    for (const n of names) {
      let words = stripLegalForm(tokenize(n));
      while (words.length > 1 && ORGANIZATIONAL_WORDS.has(words[words.length - 1].norm))
        words = words.slice(0, -1);
      if (words.length === 0 || letters(words) < 4) continue;
      const name = words.map((w) => w.raw).join(' ');
      const key = name.toLowerCase();
      const o = owners.get(key) ?? new Set<string>();
      o.add(i.issuer);
      owners.set(key, o);
      out.push({ issuer: i.issuer, symbol: i.symbol, name });
    }
  }
  // A name two issuers share cannot say which; each name once.
  const seen = new Set<string>();
  return out.filter((n) => {
    const key = n.name.toLowerCase();
    if ((owners.get(key)?.size ?? 0) > 1 || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The spans of a text that may be a company the exact stage missed: 2 to 4 capitalized words in
 * a row, not all common words, none of them part of a mention the exact stage found
 * (`exactWords`: their lower-case words). Headline first, longest spans first, each once, at
 * most `max`. One word alone is not read: on the development set a lone capitalized word close
 * to a name was as often a bird, a star, a place or a sentence's first word ("Kestrels return",
 * "Polaris star", "Harrow Council", "Halcyon days") as a company.
 */
export function candidateSpans(
  text: string,
  exactWords: ReadonlySet<string>,
  max = DEFAULT_MAX_SPANS,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const line of text.split(/\n|(?<=[.!?;:])\s+/)) {
    const tokens = tokenize(line);
    let run: Token[] = [];
    const flush = () => {
      for (let len = Math.min(MAX_SPAN_WORDS, run.length); len >= 2; len--)
        for (let at = 0; at + len <= run.length; at++) {
          const span = run.slice(at, at + len);
          if (span.every((t) => COMMON_WORDS.has(t.norm))) continue;
          const s = span.map((t) => t.raw).join(' ');
          if (seen.has(s)) continue;
          seen.add(s);
          out.push(s);
        }
      run = [];
    };
    for (const t of tokens) {
      if (capitalized(t) && !exactWords.has(t.norm) && !/^\p{N}/u.test(t.raw)) run.push(t);
      else flush();
    }
    flush();
    if (out.length >= max) break;
  }
  return out.slice(0, max);
}

/** Letter trigrams of a name, lower case without accents, padded at the word ends. */
export function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of tokenize(text)) {
    const w = ` ${t.norm} `;
    for (let i = 0; i + 3 <= w.length; i++) out.add(w.slice(i, i + 3));
  }
  return out;
}

/** Dice coefficient of two trigram sets: 1 for the same letters, 0 for none shared. */
export function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return (2 * shared) / (a.size + b.size);
}

/**
 * How well a span matches a name: the encoder's cosine, or the mean of it and the letters'
 * trigram Dice when that is higher. The encoder reads a short form ("Halcyon Air") or a
 * different word form ("Ember Healthcare") as close; a misspelling it cuts into other word
 * pieces ("Harowgate" → har ##ow ##gate) it reads as far, and there the letters are close.
 */
export function matchScore(cosine: number, letterDice: number): number {
  return Math.max(cosine, (cosine + letterDice) / 2);
}

/** The best name of each span, kept when its score reaches `threshold`; one per issuer. */
export function bestMatches(
  spans: readonly string[],
  spanVectors: readonly Float32Array[],
  names: readonly NameVector[],
  threshold: number,
): FuzzyMention[] {
  const byIssuer = new Map<string, FuzzyMention>();
  for (const [k, v] of spanVectors.entries()) {
    const grams = trigrams(spans[k]);
    let best: NameVector | undefined;
    let bestScore = -Infinity;
    let bestCos = 0;
    for (const n of names) {
      let c = 0;
      for (let d = 0; d < v.length; d++) c += v[d] * n.vector[d];
      const score = matchScore(c, dice(grams, n.grams));
      if (score > bestScore) {
        bestScore = score;
        bestCos = c;
        best = n;
      }
    }
    if (!best || bestScore < threshold) continue;
    const cur = byIssuer.get(best.issuer);
    if (!cur || bestScore > cur.score)
      byIssuer.set(best.issuer, {
        issuer: best.issuer,
        symbol: best.symbol,
        text: spans[k],
        name: best.name,
        cosine: bestCos,
        score: bestScore,
      });
  }
  return [...byIssuer.values()];
}

/**
 * The fuzzy stage over a set of instruments: their names embedded once (`build`), then per text
 * the candidate spans embedded and matched. Issuers the exact stage found are not repeated.
 */
export class FuzzyEntityLinker {
  private constructor(
    private readonly names: readonly NameVector[],
    private readonly embed: Embed,
  ) {}

  /** `embedNames` (default `embed`) embeds the names: a cache across rebuilds, say. */
  static async build(
    instruments: Iterable<GraphInstrument>,
    embed: Embed,
    embedNames: Embed = embed,
  ): Promise<FuzzyEntityLinker> {
    const names = namesToEmbed(instruments);
    const vectors = await embedNames(names.map((n) => n.name));
    return new FuzzyEntityLinker(
      names.map((n, i) => ({ ...n, vector: vectors[i], grams: trigrams(n.name) })),
      embed,
    );
  }

  get size(): number {
    return this.names.length;
  }

  /**
   * The mentions of `text` the exact stage missed (`exact`: the words of its mentions and the
   * issuers it found), best match first.
   */
  async mentions(
    text: string,
    exact: { words: ReadonlySet<string>; issuers: ReadonlySet<string> },
    opts: FuzzyLinkOptions,
  ): Promise<FuzzyMention[]> {
    const spans = candidateSpans(text, exact.words, opts.maxSpans);
    if (spans.length === 0 || this.names.length === 0) return [];
    const vectors = await this.embed(spans);
    return bestMatches(spans, vectors, this.names, opts.threshold)
      .filter((m) => !exact.issuers.has(m.issuer))
      .sort((a, b) => b.score - a.score);
  }
}

/** What the exact stage found in a text: its issuers, and the words of its mentions. */
export function exactStage(
  linker: { mentions(text: string): readonly { issuer: string; text: string }[] },
  text: string,
): { issuers: Set<string>; words: Set<string> } {
  const found = linker.mentions(text);
  return {
    issuers: new Set(found.map((m) => m.issuer)),
    words: new Set(found.flatMap((m) => tokenize(m.text).map((t) => t.norm))),
  };
}
