import type { StoredKey } from './api-key.repository';
import { generateApiKey } from './api-keys';
import { KeyLookup } from './key-lookup';

/** A key table in memory that counts look-ups. */
function table(keys: StoredKey[]) {
  const calls: string[] = [];
  return {
    calls,
    findByHash: async (hash: string) => {
      calls.push(hash);
      return keys.find((k) => k.hash === hash) ?? null;
    },
  };
}

describe('key look-up', () => {
  const valid = generateApiKey();
  const stored: StoredKey = { id: 'k1', role: 'viewer', hash: valid.hash, revoked: false };
  const opts = { ttlMs: 60_000, maxHits: 10, maxMisses: 100 };

  it('refuses tokens not shaped like a key without a look-up', async () => {
    const db = table([stored]);
    const lookup = new KeyLookup(db, opts);
    for (const t of ['nope', `${valid.key}x`, valid.key.slice(0, -1), 'rsk_' + '!'.repeat(43)])
      expect(await lookup.find(t, 0)).toBeNull();
    expect(db.calls).toHaveLength(0);
    expect(await lookup.find(valid.key, 0)).toEqual(stored);
    expect(db.calls).toHaveLength(1);
  });

  it('keeps a valid key cached through a flood of wrong ones, and looks a miss up once', async () => {
    const db = table([stored]);
    const lookup = new KeyLookup(db, opts);
    await lookup.find(valid.key, 0);
    for (let i = 0; i < 20_000; i++) expect(await lookup.find(generateApiKey().key, 1)).toBeNull();
    const before = db.calls.length;
    expect(await lookup.find(valid.key, 2)).toEqual(stored);
    expect(lookup.cached(valid.key, 2)).toEqual(stored);
    expect(db.calls.length).toBe(before);
    const wrong = generateApiKey().key;
    await lookup.find(wrong, 3);
    await lookup.find(wrong, 4);
    expect(db.calls.length).toBe(before + 1);
  });

  it('forgets both after the cache time, so a revocation is seen', async () => {
    const db = table([stored]);
    const lookup = new KeyLookup(db, opts);
    await lookup.find(valid.key, 0);
    stored.revoked = true;
    expect(await lookup.find(valid.key, 60_000)).toBeNull();
    stored.revoked = false;
  });
});
