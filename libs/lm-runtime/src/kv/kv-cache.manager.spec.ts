import fc from 'fast-check';
import { KvBlock, sequentialPositions } from './kv-block';
import { CachedContext, KvCacheManager } from './kv-cache.manager';

const BYTES_PER_TOKEN = 2 * 1 * 1 * 2 * 4; // 2 x layers x heads x dim x 4

function ctxOf(tokens: number): CachedContext {
  const arr = (): Float32Array => new Float32Array(tokens * 2);
  const block: KvBlock = {
    numLayers: 1,
    numKvHeads: 1,
    headDim: 2,
    length: tokens,
    positions: sequentialPositions(0, tokens),
    keys: [arr()],
    values: [arr()],
  };
  return { tokens: Array.from({ length: tokens }, (_, i) => i), block, lastLogits: null };
}

function put(m: KvCacheManager, key: string, tokens: number): boolean {
  const lease = m.acquire(key);
  const ok = lease.reserve(tokens * BYTES_PER_TOKEN) && lease.commit(ctxOf(tokens));
  lease.release();
  return ok;
}

describe('KvCacheManager', () => {
  it('accounts exact bytes and evicts least recently used first', () => {
    const m = new KvCacheManager(10 * BYTES_PER_TOKEN);
    expect(put(m, 'a', 4)).toBe(true);
    expect(put(m, 'b', 4)).toBe(true);
    expect(m.stats().bytesInUse).toBe(8 * BYTES_PER_TOKEN);
    m.acquire('a').release(); // touch a: b is now least recent
    expect(put(m, 'c', 4)).toBe(true);
    expect(m.has('a')).toBe(true);
    expect(m.has('b')).toBe(false);
    expect(m.stats()).toMatchObject({ evictions: 1, bytesInUse: 8 * BYTES_PER_TOKEN, entries: 2 });
  });

  it('never evicts a leased cache', () => {
    const m = new KvCacheManager(8 * BYTES_PER_TOKEN);
    put(m, 'a', 6);
    const held = m.acquire('a');
    expect(put(m, 'b', 4)).toBe(false);
    expect(m.has('a')).toBe(true);
    expect(m.evict('a')).toBe(false);
    held.release();
    expect(put(m, 'b', 4)).toBe(true);
    expect(m.has('a')).toBe(false);
  });

  it('keeps pinned caches', () => {
    const m = new KvCacheManager(8 * BYTES_PER_TOKEN);
    put(m, 'a', 6);
    m.pin('a');
    expect(put(m, 'b', 4)).toBe(false);
    m.unpin('a');
    expect(put(m, 'b', 4)).toBe(true);
  });

  it('counts a block shared by a root and contexts once', () => {
    const m = new KvCacheManager(100 * BYTES_PER_TOKEN);
    const root = ctxOf(5);
    m.setRoot('sys', root);
    const lease = m.acquire('p');
    lease.commit(root);
    lease.release();
    expect(m.stats().bytesInUse).toBe(5 * BYTES_PER_TOKEN);
    m.evict('p');
    expect(m.stats().bytesInUse).toBe(5 * BYTES_PER_TOKEN);
    m.deleteRoot('sys');
    expect(m.stats().bytesInUse).toBe(0);
  });

  it('keeps the old cache when the new one does not fit', () => {
    const m = new KvCacheManager(6 * BYTES_PER_TOKEN);
    put(m, 'a', 4);
    const lease = m.acquire('a');
    expect(lease.reserve(8 * BYTES_PER_TOKEN)).toBe(false);
    expect(lease.commit(ctxOf(8))).toBe(false);
    lease.release();
    expect(m.peek('a')?.tokens.length).toBe(4);
  });

  it('gives up the own old cache when only that stands in the way of its replacement', () => {
    const m = new KvCacheManager(6 * BYTES_PER_TOKEN);
    put(m, 'a', 4);
    const lease = m.acquire('a');
    expect(lease.reserve(5 * BYTES_PER_TOKEN)).toBe(false);
    expect(lease.reserveReplacing(5 * BYTES_PER_TOKEN)).toBe(true);
    expect(m.stats().bytesInUse).toBe(5 * BYTES_PER_TOKEN);
    expect(lease.commit(ctxOf(5))).toBe(true);
    lease.release();
    expect(m.peek('a')?.tokens.length).toBe(5);
    expect(m.stats()).toMatchObject({ bytesInUse: 5 * BYTES_PER_TOKEN, evictions: 0 });
  });

  it('counts queried, hit and recomputed tokens', () => {
    const m = new KvCacheManager(0);
    m.recordTokens(10, 7, 3);
    m.recordTokens(5, 0, 5);
    expect(m.stats()).toMatchObject({ queriedTokens: 15, hitTokens: 7, recomputedTokens: 8 });
  });

  it('never exceeds the budget nor evicts a leased or pinned cache under random operations', () => {
    type Op =
      | { kind: 'acquire'; key: number }
      | { kind: 'reserveCommit'; slot: number; tokens: number; replacing: boolean }
      | { kind: 'release'; slot: number }
      | { kind: 'evict'; key: number }
      | { kind: 'pin'; key: number; on: boolean };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({
        kind: fc.constant('reserveCommit' as const),
        slot: fc.nat(),
        tokens: fc.integer({ min: 1, max: 12 }),
        replacing: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('release' as const), slot: fc.nat() }),
      fc.record({ kind: fc.constant('evict' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({
        kind: fc.constant('pin' as const),
        key: fc.integer({ min: 0, max: 5 }),
        on: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.array(op, { maxLength: 60 }),
        (budget, ops: Op[]) => {
          const m = new KvCacheManager(budget * BYTES_PER_TOKEN);
          const leases: ReturnType<KvCacheManager['acquire']>[] = [];
          const pinned = new Set<string>();
          for (const o of ops) {
            const before = new Map(
              [...Array(6).keys()].map((k) => [`p${k}`, m.peek(`p${k}`)] as const),
            );
            switch (o.kind) {
              case 'acquire':
                leases.push(m.acquire(`p${o.key}`));
                break;
              case 'reserveCommit': {
                if (leases.length === 0) break;
                const lease = leases[o.slot % leases.length];
                const bytes = o.tokens * BYTES_PER_TOKEN;
                const ok = o.replacing ? lease.reserveReplacing(bytes) : lease.reserve(bytes);
                if (ok) lease.commit(ctxOf(o.tokens));
                break;
              }
              case 'release':
                if (leases.length > 0) leases.splice(o.slot % leases.length, 1)[0].release();
                break;
              case 'evict':
                // An explicit evict drops a pinned cache too (a forgotten context); only a lease stops it.
                if (m.evict(`p${o.key}`)) pinned.delete(`p${o.key}`);
                break;
              case 'pin':
                if (o.on && m.has(`p${o.key}`)) {
                  m.pin(`p${o.key}`);
                  pinned.add(`p${o.key}`);
                } else if (!o.on) {
                  m.unpin(`p${o.key}`);
                  pinned.delete(`p${o.key}`);
                }
                break;
            }
            const s = m.stats();
            expect(s.bytesInUse).toBeLessThanOrEqual(s.budgetBytes);
            // A cache that was leased or pinned is still there unless its own lease replaced it.
            for (const [key, ctx] of before) {
              const leased = leases.some((l) => l.key === key);
              const evictedByName = o.kind === 'evict' && key === `p${o.key}`;
              const protectedKey = leased || (pinned.has(key) && !evictedByName);
              if (ctx && protectedKey && o.kind !== 'reserveCommit') expect(m.peek(key)).toBe(ctx);
            }
          }
          leases.forEach((l) => l.release());
          expect(m.stats().reservedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
