/**
 * Writes a Hugging Face `tokenizer.json`: byte-level BPE (GPT-2/Qwen2 style, so any text round-trips
 * exactly) with the Qwen2 pre-tokenizer split (letters, single digits, punctuation runs,
 * whitespace), merges learned from a corpus, and chat special tokens.
 */
import { PLAIN_CHAT_TEMPLATE } from '@risk/lm-runtime/chat/chat-template';

export const SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<unk>',
  '<pad>',
] as const;

/** Qwen2's split regex; digits are split one by one so numbers tokenize predictably. */
export const PRETOKENIZE_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** The same split for JavaScript RegExp (no inline case-insensitive groups there). */
const PRETOKENIZE_JS = new RegExp(
  "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'gu',
);

export interface TokenizerBuildOptions {
  /** Target size (specials + 256 bytes + merges); fewer if the corpus runs out of pairs. */
  vocabSize: number;
  /** Training text; defaults to the built-in English + finance corpus. */
  corpus?: string;
}

export interface TokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: {
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }[];
  normalizer: { type: 'NFC' };
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: boolean;
    byte_fallback: boolean;
    ignore_merges: boolean;
    vocab: Record<string, number>;
    merges: string[];
  };
}

/** GPT-2 byte → printable unicode char table (bytes that print as themselves keep their char). */
export function byteToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number): boolean =>
    (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCharCode(printable(b) ? b : 256 + extra++);
  }
  return table;
}

export function buildTokenizerJson(opts: TokenizerBuildOptions): TokenizerJson {
  const bytes = byteToUnicode();
  const base = SPECIAL_TOKENS.length + 256;
  if (opts.vocabSize < base) throw new Error(`tokenizer vocabSize must be >= ${base}`);
  const merges = learnMerges(opts.corpus ?? DEFAULT_CORPUS, opts.vocabSize - base, bytes);
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  bytes.forEach((ch, i) => (vocab[ch] = SPECIAL_TOKENS.length + i));
  merges.forEach(([a, b], i) => (vocab[a + b] = base + i));
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: false,
    use_regex: false,
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: PRETOKENIZE_PATTERN },
          behavior: 'Isolated',
          invert: false,
        },
        byteLevel,
      ],
    },
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** `tokenizer_config.json` companion (special token roles, no BOS, ChatML-style EOS). */
export function buildTokenizerConfigJson(maxPositions: number): Record<string, unknown> {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    add_bos_token: false,
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    model_max_length: maxPositions,
    clean_up_tokenization_spaces: false,
    chat_template: PLAIN_CHAT_TEMPLATE,
  };
}

/** Classic BPE training on byte-level pre-tokens; ties broken by pair text for determinism. */
function learnMerges(corpus: string, maxMerges: number, bytes: string[]): [string, string][] {
  const encoder = new TextEncoder();
  const counts = new Map<string, number>();
  for (const m of corpus.normalize('NFC').matchAll(PRETOKENIZE_JS)) {
    const word = Array.from(encoder.encode(m[0]), (b) => bytes[b]).join('\u0000');
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const words = [...counts.entries()].map(([w, n]) => ({ symbols: w.split('\u0000'), n }));
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === undefined) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    for (const word of words) {
      const s = word.symbols;
      const merged: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else {
          merged.push(s[i]);
        }
      }
      word.symbols = merged;
    }
  }
  return merges;
}

const WORDS = `the of and to in a is that for it as was with be by on not he this are or his from at
which but have an they you were her she there been one all we their has would when if so no will
can more other its about what up out some into them than then these two may first only new could
time also any after over such our most made like just where those through very how many before
must well should because each people between same own while last right still here under both
market markets price prices risk risks portfolio portfolios position positions exposure exposures
volatility value values loss losses gain gains return returns yield yields rate rates interest bond
bonds equity equities stock stocks share shares fund funds asset assets liability liabilities cash
credit debt default spread spreads hedge hedges hedging option options future futures swap swaps
currency currencies dollar euro yen sterling franc index indices sector sectors bank banks banking
trade trades trading trader traders order orders limit limits breach breaches alert alerts level
levels high low medium critical elevated normal increase increased decrease decreased rise rose
fall fell drop dropped jump jumped surge surged plunge plunged rally rallied sell selloff buy bought
sold long short leverage margin collateral liquidity concentration drawdown var expected shortfall
confidence quantile percentile daily weekly monthly annual quarter quarterly earnings revenue profit
profits guidance forecast outlook downgrade upgrade rating ratings outlook negative positive stable
central inflation unemployment growth recession economy economic policy policies federal reserve
government regulator regulators regulation sanction sanctions tariff tariffs war strike merger
acquisition bankruptcy lawsuit fraud investigation scandal news event events headline headlines
report reports reported announce announced announcement company companies firm firms issuer
counterparty counterparties exchange exchanges energy oil gas gold silver copper commodity
commodities technology tech software semiconductor pharma healthcare utilities industrial consumer
retail real estate property insurance because therefore however although score scores scoring model
models tree trees reasoning explanation step steps total sum weight weights weighted average mean
standard deviation sigma correlation beta alpha notional quantity quantities amount amounts percent
percentage basis point points million billion thousand per cent week day days hour hours minute
minutes second seconds today yesterday tomorrow open close opened closed session sessions
volume volumes ticker tickers symbol symbols account accounts desk desks book books limit threshold
thresholds above below within across against toward towards since until during without`;

const SENTENCES = `Risk level rose from medium to high because the portfolio exposure to energy exceeded its limit.
The EWMA volatility of the position increased after the central bank raised interest rates by 50 basis points.
Value at risk at 99% confidence is 1,250,000 USD; expected shortfall is 1,730,000 USD.
Concentration in technology stocks is 42.5% of the net asset value, above the 35% threshold.
Drawdown since the peak reached 8.3% on Tuesday; the desk cut leverage.
Headline: regulator opens investigation into the issuer; shares fell 12% in early trading.
<|im_start|>user
Evaluate the portfolio after the new tick.<|im_end|>
<|im_start|>assistant
Step 1: exposure = 2,000 × 101.25 = 202,500.
Step 2: score = 0.6 × 0.71 + 0.4 × 0.55 = 0.646.<|im_end|>`;

/** Built-in training text for random models: common English and finance words, a few sentences. */
export const DEFAULT_CORPUS = `${WORDS}\n${WORDS.toUpperCase()}\n${WORDS.replace(/(^|\s)(\w)/g, (_m, s: string, c: string) => s + c.toUpperCase())}\n${SENTENCES}`;
