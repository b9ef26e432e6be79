import { Injectable, Logger } from '@nestjs/common';
import type { NewsEvent } from '@risk/contracts';
import {
  FUZZY_LINK_THRESHOLD,
  FuzzyEntityLinker,
  exactStage,
  type FuzzyMention,
} from '@risk/knowledge-graph';
import { NewsUnderstandingService } from '../news-understanding.service';
import { ReferenceGraph } from './reference-graph';

/** How long a story waits for the first linker (the names' embeddings) before going without. */
const FIRST_BUILD_WAIT_MS = 2000;

/** Stories whose fuzzy mentions are remembered, for `cached` (rebalance replays). */
const REMEMBERED_STORIES = 1000;

/**
 * Entity linking's second stage in the engine (docs/knowledge-graph.md § Entity linking): the
 * companies a story names in words the exact stage does not match, found with the news encoder.
 * Runs before the engine lock (the encoder is async); the company names are embedded once and
 * again only for names new since (a cache by name), in the background after an instrument
 * changed, the previous linker serving meanwhile. Without the encoder it finds nothing.
 */
@Injectable()
export class FuzzyLinking {
  private readonly log = new Logger(FuzzyLinking.name);
  private linker: FuzzyEntityLinker | null = null;
  private builtFor = -1;
  private building: Promise<void> | null = null;
  private readonly vectors = new Map<string, Float32Array>();
  private readonly found = new Map<string, string[]>();

  constructor(
    private readonly reference: ReferenceGraph,
    private readonly understanding: NewsUnderstandingService,
  ) {}

  /** The issuers only the encoder stage finds in the story's headline and body. */
  async issuersIn(n: NewsEvent): Promise<string[]> {
    const known = this.found.get(n.id);
    if (known) return known;
    const linker = await this.current();
    if (!linker) return [];
    const text = n.body ? `${n.headline}\n${n.body}` : n.headline;
    const mentions: FuzzyMention[] = await linker.mentions(
      text,
      exactStage(this.reference.linker, text),
      { threshold: FUZZY_LINK_THRESHOLD },
    );
    const issuers = mentions.map((m) => m.issuer);
    this.found.set(n.id, issuers);
    if (this.found.size > REMEMBERED_STORIES)
      this.found.delete(this.found.keys().next().value as string);
    return issuers;
  }

  /** What `issuersIn` found for a story, if it still remembers (synchronous, for the lock). */
  cached(newsId: string): readonly string[] {
    return this.found.get(newsId) ?? [];
  }

  /**
   * The linker for the instruments now: built on first use (awaited up to FIRST_BUILD_WAIT_MS;
   * a story meanwhile goes with the exact stage alone), rebuilt in the background when
   * instruments changed (the previous one serves until then).
   */
  private async current(): Promise<FuzzyEntityLinker | null> {
    if (this.builtFor !== this.reference.version && !this.building) {
      const version = this.reference.version;
      this.building = this.build(version).finally(() => (this.building = null));
    }
    if (!this.linker && this.building) {
      // A large universe takes a while to embed: a story waits for it only so long.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.building,
        new Promise((r) => (timer = setTimeout(r, FIRST_BUILD_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    return this.linker;
  }

  private async build(version: number): Promise<void> {
    const embed = async (texts: readonly string[]) => {
      const out = await this.understanding.embed(texts);
      if (!out) throw new Error('the news encoder is unavailable');
      return out;
    };
    const embedNames = async (texts: readonly string[]) => {
      const missing = texts.filter((t) => !this.vectors.has(t));
      const fresh = missing.length > 0 ? await this.understanding.embed(missing) : [];
      if (!fresh) throw new Error('the news encoder is unavailable');
      missing.forEach((t, i) => this.vectors.set(t, fresh[i]));
      return texts.map((t) => this.vectors.get(t)!);
    };
    try {
      this.linker = await FuzzyEntityLinker.build(
        this.reference.graph.allInstruments(),
        embed,
        embedNames,
      );
      this.builtFor = version;
    } catch (e) {
      // Without the encoder the stage finds nothing; tried again after the next change.
      this.builtFor = version;
      this.log.warn(`fuzzy entity linking off: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
