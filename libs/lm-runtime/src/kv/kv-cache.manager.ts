import { blockBytes, KvBlock } from './kv-block';

/** A cached context: the token sequence and its K/V, plus the logits after its last token. */
export interface CachedContext {
  readonly tokens: readonly number[];
  readonly block: KvBlock;
  /** Logits (vocab) predicted after the last token; null when not known. */
  readonly lastLogits: Float32Array | null;
}

export interface KvCacheStats {
  readonly budgetBytes: number;
  /** Bytes of distinct cached blocks plus bytes reserved for in-flight results. */
  readonly bytesInUse: number;
  readonly reservedBytes: number;
  readonly entries: number;
  readonly roots: number;
  readonly queriedTokens: number;
  readonly hitTokens: number;
  readonly recomputedTokens: number;
  readonly evictions: number;
}

/** Receives counter increments, e.g. the Prometheus binding. */
export interface KvCacheObserver {
  tokens(queried: number, hit: number, recomputed: number): void;
  eviction(): void;
}

/**
 * Told when the cache starts and stops holding a block (device-resident K/V is freed when its
 * last holder lets go: the engine passes device-kv's holdKv/dropKv).
 */
export interface KvBlockHolder {
  retain(block: KvBlock): void;
  release(block: KvBlock): void;
}

export class KvCacheError extends Error {
  override readonly name = 'KvCacheError';
}

interface Entry {
  /** Undefined until the first result is stored. */
  ctx: CachedContext | undefined;
  leases: number;
  pinned: boolean;
}

/**
 * Per-context K/V caches under one byte budget. A context's cache is leased while a request
 * uses it and is then never evicted; unleased, unpinned caches are evicted least recently used
 * first. Bytes are counted per distinct block, so a root shared by many contexts counts once.
 * Results of a running request are reserved before the run, so the budget holds at every moment.
 */
export class KvCacheManager {
  /** Map order is recency order: a touched entry is moved to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly roots = new Map<string, CachedContext>();
  private readonly blockRefs = new Map<KvBlock, number>();
  private storedBytes = 0;
  private reservedBytes = 0;
  private counters = { queriedTokens: 0, hitTokens: 0, recomputedTokens: 0, evictions: 0 };

  constructor(
    readonly budgetBytes: number,
    private readonly observer?: KvCacheObserver,
    private readonly holder?: KvBlockHolder,
  ) {
    if (!(budgetBytes >= 0)) throw new KvCacheError('budget must be >= 0');
  }

  stats(): KvCacheStats {
    return {
      budgetBytes: this.budgetBytes,
      bytesInUse: this.storedBytes + this.reservedBytes,
      reservedBytes: this.reservedBytes,
      entries: this.entries.size,
      roots: this.roots.size,
      ...this.counters,
    };
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  peek(key: string): CachedContext | undefined {
    return this.entries.get(key)?.ctx;
  }

  isLeased(key: string): boolean {
    return (this.entries.get(key)?.leases ?? 0) > 0;
  }

  /** Records how a request's target sequence was served (queried = hit + recomputed). */
  recordTokens(queried: number, hit: number, recomputed: number): void {
    this.counters.queriedTokens += queried;
    this.counters.hitTokens += hit;
    this.counters.recomputedTokens += recomputed;
    this.observer?.tokens(queried, hit, recomputed);
  }

  /** A shared root (e.g. a system prompt); pinned. Returns false when it does not fit. */
  setRoot(key: string, ctx: CachedContext): boolean {
    const old = this.roots.get(key);
    return this.replacing(old?.block, () => {
      if (old) this.unref(old.block);
      if (!this.fits(this.addedBytes(ctx.block))) {
        if (old) this.ref(old.block);
        return false;
      }
      this.ref(ctx.block);
      this.roots.set(key, ctx);
      return true;
    });
  }

  /** Runs fn holding `old` meanwhile, so un- and re-counting it does not free it in between. */
  private replacing(old: KvBlock | undefined, fn: () => boolean): boolean {
    if (old) this.holder?.retain(old);
    try {
      return fn();
    } finally {
      if (old) this.holder?.release(old);
    }
  }

  getRoot(key: string): CachedContext | undefined {
    return this.roots.get(key);
  }

  allRoots(): CachedContext[] {
    return [...this.roots.values()];
  }

  deleteRoot(key: string): void {
    const old = this.roots.get(key);
    if (!old) return;
    this.roots.delete(key);
    this.unref(old.block);
  }

  pin(key: string): void {
    const e = this.entries.get(key);
    if (!e) throw new KvCacheError(`no cache for ${key}`);
    e.pinned = true;
  }

  unpin(key: string): void {
    const e = this.entries.get(key);
    if (e) e.pinned = false;
  }

  /** Drops a context's cache, pinned or not (its pin goes with it); refuses while it is leased. */
  evict(key: string): boolean {
    const e = this.entries.get(key);
    if (!e || e.leases > 0) return false;
    this.drop(key, e);
    return true;
  }

  /** Marks the context's cache in use until the lease is released. */
  acquire(key: string): KvLease {
    let e = this.entries.get(key);
    if (e) this.entries.delete(key);
    e ??= { ctx: undefined, leases: 0, pinned: false };
    e.leases++;
    this.entries.set(key, e);
    return new KvLease(this, key, e);
  }

  /** @internal */
  reserveFor(bytes: number): boolean {
    if (!this.makeRoom(bytes)) return false;
    this.reservedBytes += bytes;
    return true;
  }

  /** @internal */
  unreserve(bytes: number): void {
    this.reservedBytes -= bytes;
  }

  /** @internal Stores ctx as the entry's cache; keeps the old one when the new does not fit. */
  store(e: Entry, ctx: CachedContext): boolean {
    const old = e.ctx;
    return this.replacing(old?.block, () => {
      if (old) this.unref(old.block);
      if (!this.makeRoom(this.addedBytes(ctx.block))) {
        if (old) this.ref(old.block);
        return false;
      }
      this.ref(ctx.block);
      e.ctx = ctx;
      return true;
    });
  }

  /** @internal Forgets the entry's cache (its bytes are freed unless shared). */
  clear(e: Entry): void {
    if (e.ctx !== undefined) this.unref(e.ctx.block);
    e.ctx = undefined;
  }

  /** @internal */
  releaseLease(key: string, e: Entry): void {
    e.leases--;
    // An entry that never got a cache is dropped once nobody uses it.
    if (e.leases === 0 && e.ctx === undefined) this.entries.delete(key);
  }

  private fits(bytes: number): boolean {
    return this.storedBytes + this.reservedBytes + bytes <= this.budgetBytes;
  }

  private makeRoom(bytes: number): boolean {
    if (this.fits(bytes)) return true;
    for (const [key, e] of this.entries) {
      if (e.leases > 0 || e.pinned || e.ctx === undefined) continue;
      this.drop(key, e);
      this.counters.evictions++;
      this.observer?.eviction();
      if (this.fits(bytes)) return true;
    }
    return false;
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    if (e.ctx !== undefined) this.unref(e.ctx.block);
  }

  private addedBytes(block: KvBlock): number {
    return this.blockRefs.has(block) ? 0 : blockBytes(block);
  }

  private ref(block: KvBlock): void {
    const n = this.blockRefs.get(block) ?? 0;
    if (n === 0) {
      this.storedBytes += blockBytes(block);
      this.holder?.retain(block);
    }
    this.blockRefs.set(block, n + 1);
  }

  private unref(block: KvBlock): void {
    const n = this.blockRefs.get(block) ?? 0;
    if (n <= 1) {
      this.blockRefs.delete(block);
      if (n === 1) {
        this.storedBytes -= blockBytes(block);
        this.holder?.release(block);
      }
    } else {
      this.blockRefs.set(block, n - 1);
    }
  }
}

/** A context's cache held for the duration of one request. */
export class KvLease {
  private reserved = 0;
  private released = false;

  /** @internal */
  constructor(
    private readonly manager: KvCacheManager,
    readonly key: string,
    private readonly entry: Entry,
  ) {}

  get context(): CachedContext | undefined {
    return this.entry.ctx;
  }

  /** Reserves budget for the result; false when even evicting every idle cache is not enough. */
  reserve(bytes: number): boolean {
    this.assertOpen();
    if (!this.manager.reserveFor(bytes)) return false;
    this.reserved += bytes;
    return true;
  }

  /**
   * Reserves room for the result, giving up the context's own current cache when that is what
   * stands in the way (it is about to be replaced anyway).
   */
  reserveReplacing(bytes: number): boolean {
    if (this.reserve(bytes)) return true;
    if (this.entry.ctx === undefined) return false;
    this.manager.clear(this.entry);
    return this.reserve(bytes);
  }

  /** Replaces the context's cache (consuming the reservation); false when it was not kept. */
  commit(ctx: CachedContext): boolean {
    this.assertOpen();
    this.dropReservation();
    return this.manager.store(this.entry, ctx);
  }

  release(): void {
    if (this.released) return;
    this.dropReservation();
    this.released = true;
    this.manager.releaseLease(this.key, this.entry);
  }

  private dropReservation(): void {
    this.manager.unreserve(this.reserved);
    this.reserved = 0;
  }

  private assertOpen(): void {
    if (this.released) throw new KvCacheError('lease already released');
  }
}
