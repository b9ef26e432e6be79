import type { NewsEvent } from '@risk/contracts';

/** A news item this instance has passed (evaluated for the holders it owned then). */
export interface RecentNewsItem {
  topic: string;
  news: NewsEvent;
  /** Event time of the item (`news.ts`). */
  tsMs: number;
}

/**
 * The latest news items an engine instance has passed, for replay to the portfolios a rebalance
 * gives it later (docs/architecture.md § Rebalances). Bounded twice: at most `maxItems` items
 * (the oldest passed goes first), and none older in event time than `windowMs` behind the newest
 * seen. `maxItems` 0 keeps nothing; `windowMs` 0 bounds by count only. An item passed again
 * (redelivery) is kept once.
 */
export class RecentNews {
  private items: RecentNewsItem[] = [];
  private readonly keys = new Set<string>();
  private newestMs = -Infinity;

  constructor(
    private readonly maxItems: number,
    private readonly windowMs: number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  add(topic: string, news: NewsEvent): void {
    if (this.maxItems <= 0) return;
    const key = keyOf(topic, news.id);
    if (this.keys.has(key)) return;
    const tsMs = Date.parse(news.ts);
    if (Number.isNaN(tsMs)) return;
    if (tsMs > this.newestMs) this.newestMs = tsMs;
    if (this.windowMs > 0 && tsMs < this.newestMs - this.windowMs) return;
    this.items.push({ topic, news, tsMs });
    this.keys.add(key);
    if (this.windowMs > 0) {
      const oldest = this.newestMs - this.windowMs;
      if (this.items.some((i) => i.tsMs < oldest))
        this.items = this.items.filter((i) => {
          if (i.tsMs >= oldest) return true;
          this.keys.delete(keyOf(i.topic, i.news.id));
          return false;
        });
    }
    while (this.items.length > this.maxItems) {
      const i = this.items.shift()!;
      this.keys.delete(keyOf(i.topic, i.news.id));
    }
  }

  /** The kept items, in the order they were passed. */
  list(): readonly RecentNewsItem[] {
    return this.items;
  }
}

const keyOf = (topic: string, id: string) => `${topic}\u0000${id}`;

/** One recent item to evaluate again, for these portfolios only. */
export interface NewsReplay {
  item: RecentNewsItem;
  portfolioIds: string[];
}

/**
 * Which recent items to evaluate for which `adopted` portfolios (those a rebalance just gave
 * this instance): each item that reaches one of them (`holdersOf`, over the portfolios owned
 * now: direct holders and those reached through the knowledge graph), for those only; in event-time order (ties: the order passed). Whether an
 * evaluation already exists (the previous owner's) is for the ledger to say, not this plan.
 */
export function replayPlan(
  recent: readonly RecentNewsItem[],
  adopted: ReadonlySet<string>,
  holdersOf: (news: NewsEvent) => readonly string[],
): NewsReplay[] {
  if (adopted.size === 0) return [];
  const out: NewsReplay[] = [];
  const order = recent.map((item, i) => ({ item, i }));
  order.sort((a, b) => a.item.tsMs - b.item.tsMs || a.i - b.i);
  for (const { item } of order) {
    const portfolioIds = holdersOf(item.news).filter((pid) => adopted.has(pid));
    if (portfolioIds.length > 0) out.push({ item, portfolioIds: [...new Set(portfolioIds)] });
  }
  return out;
}

/**
 * The news judgement a portfolio remembers after an evaluation of a news item: the item's own,
 * unless the portfolio already remembers a newer one (event time) — a replayed older item must
 * not make the trees and the merge see older news as the latest.
 */
export function newerNews<T extends { tsMs: number }>(
  remembered: T | undefined,
  judged: T | undefined,
): T | undefined {
  if (!remembered) return judged;
  if (!judged) return remembered;
  return judged.tsMs >= remembered.tsMs ? judged : remembered;
}
