import type { StoredKey } from './api-key.repository';
import { hashApiKey, isWellFormedApiKey, sameHash } from './api-keys';

export interface KeyFinder {
  findByHash(hash: string): Promise<StoredKey | null>;
}

export interface KeyLookupOptions {
  /** How long a found key, or a miss, is served from memory (API_KEY_CACHE_MS). */
  ttlMs: number;
  maxHits: number;
  maxMisses: number;
}

interface Entry<T> {
  value: T;
  atMs: number;
}

/** A Map kept to `max` entries, the least recently set first out. */
class BoundedCache<T> {
  private readonly map = new Map<string, Entry<T>>();
  constructor(private readonly max: number) {}

  get(k: string, nowMs: number, ttlMs: number): T | undefined {
    const e = this.map.get(k);
    if (!e) return undefined;
    if (nowMs - e.atMs >= ttlMs) {
      this.map.delete(k);
      return undefined;
    }
    return e.value;
  }

  set(k: string, value: T, nowMs: number): void {
    this.map.delete(k);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, { value, atMs: nowMs });
  }

  deleteWhere(test: (value: T) => boolean): void {
    for (const [k, e] of this.map) if (test(e.value)) this.map.delete(k);
  }
}

/**
 * Finds the key of a bearer token. A token that is not shaped like a key is refused without a
 * look-up; found keys and misses are remembered in two separate bounded caches, so a flood of
 * wrong tokens can fill only the second one and never pushes a valid key out of the first.
 */
export class KeyLookup {
  private readonly hits: BoundedCache<StoredKey>;
  private readonly misses: BoundedCache<true>;

  constructor(
    private readonly finder: KeyFinder,
    private readonly opts: KeyLookupOptions,
  ) {
    this.hits = new BoundedCache(opts.maxHits);
    this.misses = new BoundedCache(opts.maxMisses);
  }

  /** A cached valid key only: what a client that has used up its failures may still use. */
  cached(token: string, nowMs: number): StoredKey | null {
    if (!isWellFormedApiKey(token)) return null;
    const hash = hashApiKey(token);
    return this.valid(this.hits.get(hash, nowMs, this.opts.ttlMs), hash);
  }

  async find(token: string, nowMs: number): Promise<StoredKey | null> {
    if (!isWellFormedApiKey(token)) return null;
    const hash = hashApiKey(token);
    const hit = this.hits.get(hash, nowMs, this.opts.ttlMs);
    if (hit) return this.valid(hit, hash);
    if (this.misses.get(hash, nowMs, this.opts.ttlMs)) return null;
    const key = await this.finder.findByHash(hash);
    if (key && !key.revoked && this.opts.ttlMs > 0) this.hits.set(hash, key, nowMs);
    else if (this.opts.ttlMs > 0) this.misses.set(hash, true, nowMs);
    return this.valid(key ?? undefined, hash);
  }

  /** A key found revoked elsewhere (the stream's key check) is not served from memory again. */
  forget(keyId: string): void {
    this.hits.deleteWhere((k) => k.id === keyId);
  }

  private valid(key: StoredKey | undefined, hash: string): StoredKey | null {
    return key && !key.revoked && sameHash(key.hash, hash) ? key : null;
  }
}
