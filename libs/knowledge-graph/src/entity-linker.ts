import { COMMON_WORDS } from './common-words';
import type { GraphInstrument } from './graph-types';
import { ORGANIZATIONAL_WORDS, stripLegalForm, tokenize, type Token } from './names';

/** A company a text names, found by one of its instruments' names or aliases, or its ticker. */
export interface EntityMention {
  issuer: string;
  /** The instrument whose name or alias matched. */
  symbol: string;
  /** The words as written in the text. */
  text: string;
  via: 'name' | 'alias' | 'ticker';
}

interface Variant {
  tokens: string[];
  /** As written in the reference data, for the capitalization check of weak variants. */
  raw: string[];
  weak: boolean;
  issuer: string;
  symbol: string;
  via: 'name' | 'alias';
}

interface TrieNode {
  next: Map<string, TrieNode>;
  /** The name that ends here, if any. */
  variant?: Variant;
}

/** Types whose names are a company's names (a bond or option name is not how news names one). */
const NAMING_TYPES = new Set(['equity', 'etf', 'other']);
const MIN_STRONG_LETTERS = 4;

/** Cashtags ($ACME) and exchange tickers in parentheses ("(ACME)", "(NYSE: ACME)"). */
const TICKER_PATTERNS = [
  /\$([A-Z][A-Z0-9.-]{0,15})(?![A-Za-z0-9])/g,
  /\((?:[A-Z]{2,10}:\s?)?([A-Z0-9][A-Z0-9.-]{0,15})\)/g,
];

function isWeak(tokens: readonly string[]): boolean {
  return tokens.every((t) => COMMON_WORDS.has(t) || t.length < MIN_STRONG_LETTERS);
}

/** A capitalized word of a weak name must be capitalized in the text too ("of" may be either). */
function capitalizedLike(written: string, expected: string): boolean {
  const e = expected[0] ?? '';
  if (e === e.toLowerCase()) return true;
  const w = written[0] ?? '';
  return w !== w.toLowerCase();
}

/**
 * Finds the companies a headline or body names, by normalized exact match of their instruments'
 * names and aliases on word boundaries: case, accents, possessives, "&"/"and", legal forms
 * ("Inc.", "plc", "Corp") and organizational words ("Holdings", "Group") do not matter; a name
 * made only of common or short words must be written capitalized; a name two issuers share is
 * left out (it cannot say which). Longest match first (docs/knowledge-graph.md § Entity linking).
 */
export class EntityLinker {
  /** Names as a trie of words: a longest match costs the length of the name, not the count of names. */
  private readonly root: TrieNode = { next: new Map() };
  private readonly tickers = new Map<string, { issuer: string; symbol: string }>();

  static fromInstruments(instruments: Iterable<GraphInstrument>): EntityLinker {
    return new EntityLinker(instruments);
  }

  constructor(instruments: Iterable<GraphInstrument>) {
    const owners = new Map<string, Set<string>>();
    const variants: Variant[] = [];
    const add = (words: Token[], i: GraphInstrument, via: 'name' | 'alias') => {
      if (words.length === 0) return;
      const tokens = words.map((w) => w.norm);
      const key = tokens.join(' ');
      const owner = owners.get(key) ?? new Set<string>();
      owner.add(i.issuer);
      owners.set(key, owner);
      const weak = isWeak(tokens);
      // One short word is too easily something else, even capitalized ("Arc", "Ion").
      if (weak && tokens.length === 1 && tokens[0].length < 3) return;
      variants.push({
        tokens,
        raw: words.map((w) => w.raw),
        weak,
        issuer: i.issuer,
        symbol: i.symbol,
        via,
      });
    };
    for (const i of instruments) {
      this.tickers.set(i.symbol, { issuer: i.issuer, symbol: i.symbol });
      const names: [string, 'name' | 'alias'][] = i.aliases.map((a) => [a, 'alias']);
      if (NAMING_TYPES.has(i.type)) names.unshift([i.name, 'name']);
      for (const [name, via] of names) {
        const words = tokenize(name);
        add(words, i, via);
        const bare = stripLegalForm(words);
        if (bare.length !== words.length) add(bare, i, via);
        // "Bancorp Holdings" is also named "Bancorp"; "The Acme Group" also "Acme".
        let core = bare;
        while (core.length > 1 && ORGANIZATIONAL_WORDS.has(core[core.length - 1].norm))
          core = core.slice(0, -1);
        while (core.length > 1 && ORGANIZATIONAL_WORDS.has(core[0].norm)) core = core.slice(1);
        if (core.length !== bare.length) add(core, i, via);
      }
    }
    const seen = new Set<string>();
    for (const v of variants) {
      const key = v.tokens.join(' ');
      if ((owners.get(key)?.size ?? 0) > 1 || seen.has(key)) continue;
      seen.add(key);
      let node = this.root;
      for (const t of v.tokens) {
        let child = node.next.get(t);
        if (!child) {
          child = { next: new Map() };
          node.next.set(t, child);
        }
        node = child;
      }
      node.variant = v;
    }
  }

  /** Every mention in order of appearance (a company named twice is listed twice). */
  mentions(text: string): EntityMention[] {
    const out: EntityMention[] = [];
    const tokens = tokenize(text);
    for (let at = 0; at < tokens.length;) {
      const match = this.longestAt(tokens, at);
      if (!match) {
        at++;
        continue;
      }
      out.push({
        issuer: match.issuer,
        symbol: match.symbol,
        text: tokens
          .slice(at, at + match.tokens.length)
          .map((t) => t.raw)
          .join(' '),
        via: match.via,
      });
      at += match.tokens.length;
    }
    for (const pattern of TICKER_PATTERNS) {
      for (const m of text.matchAll(pattern)) {
        // A cashtag ending a sentence ("… $GRP.B.") keeps its own dots, not the full stop.
        const known = this.tickers.get(m[1]) ?? this.tickers.get(m[1].replace(/[.-]+$/, ''));
        if (known) out.push({ ...known, text: m[0], via: 'ticker' });
      }
    }
    return out;
  }

  /** The issuer ids a text names, each once, in order of first mention. */
  issuersIn(text: string): string[] {
    return [...new Set(this.mentions(text).map((m) => m.issuer))];
  }

  private longestAt(tokens: Token[], at: number): Variant | undefined {
    let best: Variant | undefined;
    let node: TrieNode | undefined = this.root;
    for (let k = at; k < tokens.length; k++) {
      node = node.next.get(tokens[k].norm);
      if (!node) break;
      const v = node.variant;
      if (v && (!v.weak || v.raw.every((raw, j) => capitalizedLike(tokens[at + j].raw, raw))))
        best = v;
    }
    return best;
  }
}
