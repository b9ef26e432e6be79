import { readFile } from 'node:fs/promises';
import { DuplicateIndex } from './duplicate-index';
import type { EncoderFiles } from './encoder-artifact';
import { NEWS_ENCODER } from './encoder-artifact';
import {
  checkWeights,
  readEvent,
  type ClassifierWeights,
  type EventReading,
} from './event-classifier';
import { mergeReadings } from './holder-judgement';
import { newsKind } from './news-kinds';
import { SentenceEncoder } from './sentence-encoder';
import { storyWindows } from './text-chunks';
import { cosine } from './vectors';

/** A known event kind near the story: a retrieved fact for the reasoning context. */
export interface KnownEvent {
  kind: string;
  cosine: number;
  direction: -1 | 0 | 1;
  typicalMovePct: number;
  /** A labelled wording of that kind, as the training set has it. */
  example: string;
}

/** The shipped artifact: the two heads, and one centroid per kind for retrieval. */
export interface UnderstandingModel extends ClassifierWeights {
  centroids: { kind: string; vector: number[]; example: string }[];
}

export interface StoryUnderstanding {
  /** The story's instruments (a repeat from another wire names at least one of them). */
  symbols: readonly string[];
  reading: EventReading;
  /** How many windows were read: the headline, then headline + each body chunk. */
  windows: number;
  nearest: KnownEvent[];
  /** Set when the story is the same news as an earlier one: its reading was reused. */
  duplicateOf?: { id: string; cosine: number };
  understandMs: number;
  model: string;
}

/**
 * A story's reading from its windows (storyWindows): each window read by the heads, merged
 * (mergeReadings). `head`: the headline's embedding when already computed.
 */
export async function readWindows(
  weights: ClassifierWeights,
  embed: (text: string) => Promise<Float32Array>,
  windows: readonly string[],
  head?: Float32Array,
): Promise<EventReading> {
  const readings: EventReading[] = [];
  for (const [i, w] of windows.entries()) {
    readings.push(readEvent(weights, i === 0 && head ? head : await embed(w), w));
  }
  return mergeReadings(readings);
}

/** Two readings of the same event: same kind and same most likely direction for the issuer. */
export function sameEvent(a: EventReading, b: EventReading): boolean {
  const top = (r: EventReading) =>
    (Object.keys(r.issuer) as (keyof EventReading['issuer'])[]).reduce((x, y) =>
      r.issuer[y] > r.issuer[x] ? y : x,
    );
  return a.kind.id === b.kind.id && top(a) === top(b);
}

export interface Story {
  id: string;
  tsMs: number;
  headline: string;
  body?: string;
  /** The instruments the story is about: a duplicate must share one. */
  symbols?: readonly string[];
}

/**
 * The service's news understanding: the frozen pretrained encoder, the trained heads, the kind
 * centroids and the recent stories' index. One reading per story, shared by every holder; a story
 * that repeats a recent one (another wire) reuses that reading.
 */
export class NewsUnderstanding {
  private readonly recent: DuplicateIndex<StoryUnderstanding>;
  private readonly byId = new Map<string, Promise<StoryUnderstanding>>();

  private constructor(
    private readonly encoder: SentenceEncoder,
    private readonly model: UnderstandingModel,
    duplicateWindowMs: number,
  ) {
    this.recent = new DuplicateIndex(model.duplicateCosine, duplicateWindowMs);
  }

  static async open(
    files: EncoderFiles,
    modelFile: string,
    opts: { threads?: number; duplicateWindowMs?: number } = {},
  ): Promise<NewsUnderstanding> {
    const model = JSON.parse(await readFile(modelFile, 'utf8')) as UnderstandingModel;
    if (model.encoder !== NEWS_ENCODER.id)
      throw new Error(`${modelFile} was trained on ${model.encoder}, not ${NEWS_ENCODER.id}`);
    const encoder = await SentenceEncoder.open(files, opts.threads ?? 1);
    const dim = (await encoder.embed('probe')).length;
    checkWeights(model, dim);
    return new NewsUnderstanding(encoder, model, opts.duplicateWindowMs ?? 6 * 3600_000);
  }

  get modelId(): string {
    return `${NEWS_ENCODER.id}+heads`;
  }

  /** The story's reading, computed once per id (every holder of the story shares it). */
  understand(story: Story): Promise<StoryUnderstanding> {
    let p = this.byId.get(story.id);
    if (!p) {
      p = this.read(story);
      this.byId.set(story.id, p);
      // Bounded: a story's holders ask within moments of each other.
      if (this.byId.size > 500) this.byId.delete(this.byId.keys().next().value as string);
      p.catch(() => this.byId.delete(story.id));
    }
    return p;
  }

  private async read(story: Story): Promise<StoryUnderstanding> {
    const started = performance.now();
    const windows = storyWindows(story.headline, story.body);
    const head = await this.encoder.embed(windows[0]);
    // Same news: close headlines that also read as the same event (MiniLM puts "raises outlook"
    // and "cuts outlook" at 0.95, so the cosine alone cannot tell).
    const headline = readEvent(this.model, head, windows[0]);
    const symbols = new Set(story.symbols ?? []);
    const seen = this.recent.find(
      story.id,
      head,
      story.tsMs,
      (s) =>
        sameEvent(s.reading, headline) &&
        (symbols.size === 0 || s.symbols.some((x) => symbols.has(x))),
    );
    if (seen) {
      return {
        ...seen.value,
        duplicateOf: { id: seen.id, cosine: seen.cosine },
        understandMs: performance.now() - started,
      };
    }
    const out: StoryUnderstanding = {
      symbols: [...(story.symbols ?? [])],
      reading: await readWindows(this.model, (t) => this.encoder.embed(t), windows, head),
      windows: windows.length,
      nearest: this.nearest(head, 3),
      understandMs: performance.now() - started,
      model: this.modelId,
    };
    this.recent.add({ id: story.id, ts: story.tsMs, embedding: head, value: out });
    return out;
  }

  /** The `k` known event kinds closest to the headline (cosine to each kind's centroid). */
  nearest(embedding: ArrayLike<number>, k: number): KnownEvent[] {
    return this.model.centroids
      .map((c) => {
        const kind = newsKind(c.kind);
        return {
          kind: c.kind,
          cosine: cosine(embedding, c.vector),
          direction: kind.direction,
          typicalMovePct: kind.typicalMovePct,
          example: c.example,
        };
      })
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, k);
  }

  /** The encoder alone (evaluation, latency). */
  embed(text: string): Promise<Float32Array> {
    return this.encoder.embed(text);
  }

  get weights(): UnderstandingModel {
    return this.model;
  }

  async close(): Promise<void> {
    await this.encoder.close();
  }
}
