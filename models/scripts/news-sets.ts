/**
 * The hand-written news sets (data/news/*.jsonl, labels per docs/news-labels.md), an embedding
 * cache for the tools, and the figures model:eval and model:train-news report. Tools only: the
 * service never imports this file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LABEL_SHARE_PCT,
  POLARITIES,
  holderDirection,
  judgeForHolder,
  polarityOf,
  readWindows,
  severeForHolder,
  storyWindows,
  type ClassifierWeights,
  type LabelledNews,
  type Polarity,
} from '@risk/news-understanding';

export function readNewsSet(name: 'train' | 'dev' | 'heldout'): LabelledNews[] {
  return readFileSync(join('data', 'news', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const o = JSON.parse(l) as LabelledNews;
      if (
        !o.headline ||
        !o.kind ||
        ![-1, 0, 1].includes(o.issuer) ||
        !['long', 'short'].includes(o.side)
      )
        throw new Error(`data/news/${name}.jsonl line ${i + 1}: incomplete label`);
      return o;
    });
}

/** Embeddings by text, kept in .cache/news-understanding between tool runs. */
export class EmbeddingCache {
  private readonly file = join(
    '.cache',
    'news-understanding',
    process.env.NEWS_EMBED_CACHE ?? 'embeddings.json',
  );
  private readonly map: Record<string, number[]>;
  private dirty = false;

  constructor(private readonly embed: (text: string) => Promise<Float32Array>) {
    this.map = existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, number[]>)
      : {};
  }

  async get(text: string): Promise<Float32Array> {
    const key = createHash('sha1').update(text).digest('hex');
    const hit = this.map[key];
    if (hit) return Float32Array.from(hit);
    const v = await this.embed(text);
    this.map[key] = Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
    this.dirty = true;
    return v;
  }

  save(): void {
    if (!this.dirty) return;
    mkdirSync(join('.cache', 'news-understanding'), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.map));
  }
}

export interface HolderGold {
  direction: Polarity;
  severe: boolean;
}

export function goldFor(n: LabelledNews): HolderGold {
  return {
    direction: polarityOf(holderDirection(n.issuer, n.side)),
    severe: severeForHolder(n.kind, n.issuer, n.side, LABEL_SHARE_PCT, n.rumour ?? false),
  };
}

export interface Predicted {
  direction: Polarity;
  probs: Record<Polarity, number>;
  severe: boolean;
}

export async function predictSet(
  weights: ClassifierWeights,
  items: readonly LabelledNews[],
  embed: (text: string) => Promise<Float32Array>,
): Promise<Predicted[]> {
  const out: Predicted[] = [];
  for (const n of items) {
    const reading = await readWindows(weights, embed, storyWindows(n.headline, n.body));
    const j = judgeForHolder(reading, n.side, LABEL_SHARE_PCT);
    const direction = POLARITIES.reduce((a, b) => (j.direction[b] > j.direction[a] ? b : a));
    out.push({ direction, probs: j.direction, severe: j.impact === 'severe_negative' });
  }
  return out;
}

export function accuracyOf(pred: readonly Polarity[], gold: readonly Polarity[]): number {
  return pred.filter((p, i) => p === gold[i]).length / gold.length;
}

export function macroF1Of(pred: readonly Polarity[], gold: readonly Polarity[]): number {
  const f1s = POLARITIES.map((c) => {
    const tp = pred.filter((p, i) => p === c && gold[i] === c).length;
    const fp = pred.filter((p, i) => p === c && gold[i] !== c).length;
    const fn = pred.filter((p, i) => p !== c && gold[i] === c).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return f1s.reduce((a, b) => a + b, 0) / f1s.length;
}

/** Mean over items of the squared error summed over the three directions. */
export function brierOf(
  probs: readonly Record<Polarity, number>[],
  gold: readonly Polarity[],
): number {
  let s = 0;
  probs.forEach((p, i) => {
    for (const c of POLARITIES) s += (p[c] - (gold[i] === c ? 1 : 0)) ** 2;
  });
  return s / probs.length;
}

export function severeRecallOf(pred: readonly boolean[], gold: readonly boolean[]): number {
  const idx = gold.flatMap((g, i) => (g ? [i] : []));
  return idx.length === 0 ? 1 : idx.filter((i) => pred[i]).length / idx.length;
}
