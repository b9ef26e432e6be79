import type { AppConfig } from '@risk/platform';
import type { ApiKeyRepository } from '../auth/api-key.repository';
import type { KeyLookup } from '../auth/key-lookup';
import type { StreamEventsRepository } from './stream-events.repository';
import { StreamHub, StreamLimitError } from './stream-hub.service';

describe('StreamHub', () => {
  const cfg = {
    streamPollMs: 10,
    streamMaxPerKey: 3,
    streamMaxTotal: 5,
    streamKeyCheckMs: 10,
  } as AppConfig;
  const setup = (active: Set<string>) => {
    const head = jest.fn(async () => ({ txId: '7', seq: '1' }));
    const activeIds = jest.fn(async (ids: string[]) => new Set(ids.filter((i) => active.has(i))));
    const forget = jest.fn();
    const hub = new StreamHub(
      { head } as unknown as StreamEventsRepository,
      { activeIds } as unknown as ApiKeyRepository,
      { forget } as unknown as KeyLookup,
      cfg,
      { now: () => new Date() },
    );
    return { hub, head, activeIds, forget };
  };

  it('wakes every waiting stream with one head query per poll', async () => {
    const { hub, head } = setup(new Set(['a', 'b']));
    const handles = [hub.open('a'), hub.open('a'), hub.open('b'), hub.open('b')];
    const heads = await Promise.all(handles.map((h) => h.nextHead()));
    expect(heads).toEqual(handles.map(() => ({ txId: '7', seq: '1' })));
    expect(head).toHaveBeenCalledTimes(1);
    for (const h of handles) h.release();
    hub.beforeApplicationShutdown();
  });

  it('caps streams per key and in all', () => {
    const { hub } = setup(new Set());
    const a = [hub.open('a'), hub.open('a'), hub.open('a')];
    expect(() => hub.open('a')).toThrow(StreamLimitError);
    hub.open('b');
    hub.open('c');
    expect(() => hub.open('d')).toThrow(/maximum of 5/);
    a[0].release();
    expect(hub.open('a').open).toBe(true);
    hub.beforeApplicationShutdown();
    expect(() => hub.open('e')).toThrow(/shutting down/);
  });

  it('keeps a stream opened while a key check is running', async () => {
    let answer!: (ids: Set<string>) => void;
    const { hub, activeIds } = setup(new Set(['a']));
    activeIds.mockImplementationOnce(
      () => new Promise<Set<string>>((resolve) => (answer = resolve)),
    );
    try {
      const a = hub.open('a');
      await new Promise((r) => setTimeout(r, 30));
      expect(activeIds).toHaveBeenCalledWith(['a']);
      const b = hub.open('b');
      answer(new Set(['a']));
      await new Promise((r) => setTimeout(r, 5));
      expect([a.open, b.open]).toEqual([true, true]);
    } finally {
      hub.beforeApplicationShutdown();
    }
  });

  it("stops a revoked key's streams and forgets the key", async () => {
    const active = new Set(['a', 'b']);
    const { hub, forget } = setup(active);
    const a = hub.open('a');
    const b = hub.open('b');
    active.delete('a');
    await a.stopped;
    expect(a.open).toBe(false);
    expect(await a.nextHead()).toBeNull();
    expect(b.open).toBe(true);
    expect(forget).toHaveBeenCalledWith('a');
    hub.beforeApplicationShutdown();
    expect(b.open).toBe(false);
  });
});
