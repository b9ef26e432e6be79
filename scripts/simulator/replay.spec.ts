import { simulateMarket } from './market-simulator';
import type { ReplayRecord } from './replay-plan';
import { parseReplayArgs, runReplay, toTopicMessages, type ReplayDeps } from './replay';

/** A virtual clock: sleeping advances time, so pacing is tested without waiting. */
function fakeDeps(startMs = 1_000_000): ReplayDeps & {
  sent: Array<{ at: number; batch: ReplayRecord[] }>;
} {
  let now = startMs;
  const sent: Array<{ at: number; batch: ReplayRecord[] }> = [];
  return {
    sent,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    send: async (batch) => {
      sent.push({ at: now, batch });
    },
  };
}

const idOf = (r: ReplayRecord): string => (r.value as { id: string }).id;
const tsOf = (r: ReplayRecord): number => Date.parse((r.value as { ts: string }).ts);

describe('runReplay', () => {
  const { records } = simulateMarket({ seed: 5, minutes: 2 });

  it('sends everything in file order, in batches, as fast as possible at speed 0', async () => {
    const deps = fakeDeps();
    const stats = await runReplay(records, { speed: 0, batchSize: 100 }, deps);
    expect(stats.sent).toBe(records.length);
    expect(stats.loopsCompleted).toBe(1);
    expect(deps.sent.every((s) => s.batch.length <= 100)).toBe(true);
    expect(deps.sent.flatMap((s) => s.batch)).toEqual(records);
    expect(deps.sent[deps.sent.length - 1].at).toBe(1_000_000);
  });

  it('paces by event time: at speed 10 nothing is sent before it is due', async () => {
    const deps = fakeDeps();
    const first = tsOf(records[0]);
    await runReplay(records, { speed: 10 }, deps);
    for (const { at, batch } of deps.sent) {
      // The virtual clock adds fractional sleeps: allow for float rounding.
      for (const r of batch) {
        expect(at - 1_000_000 + 1e-6).toBeGreaterThanOrEqual((tsOf(r) - first) / 10);
      }
    }
    const span = tsOf(records[records.length - 1]) - first;
    const last = deps.sent[deps.sent.length - 1].at - 1_000_000;
    expect(last + 1e-6).toBeGreaterThanOrEqual(span / 10);
    expect(last).toBeLessThan(span / 10 + 300);
  });

  it('loops with unique ids and per-symbol time still moving forward', async () => {
    const deps = fakeDeps();
    const stats = await runReplay(records, { speed: 0, loop: 3 }, deps);
    expect(stats.loopsCompleted).toBe(3);
    const out = deps.sent.flatMap((s) => s.batch);
    expect(out.length).toBe(3 * records.length);
    const ids = out.map((r) => `${r.topic}/${idOf(r)}`);
    expect(new Set(ids).size).toBe(ids.length);
    const lastBySymbol = new Map<string, number>();
    for (const r of out.filter((x) => x.topic === 'market.ticks')) {
      const t = tsOf(r);
      expect(t).toBeGreaterThan(lastBySymbol.get(r.key ?? '') ?? -Infinity);
      lastBySymbol.set(r.key ?? '', t);
    }
    const newsKeysMatch = out
      .filter((r) => r.topic === 'news.events')
      .every((r) => r.key === idOf(r));
    expect(newsKeysMatch).toBe(true);
  });

  it('re-bases time onto now with a run tag, so a second run is new to the service', async () => {
    const deps = fakeDeps(Date.parse('2027-01-04T15:00:00.000Z'));
    const stats = await runReplay(records, { speed: 0, rebaseTime: true }, deps);
    const out = deps.sent.flatMap((s) => s.batch);
    expect(tsOf(out[0])).toBe(Date.parse('2027-01-04T15:00:00.000Z'));
    expect(stats.runTag).toMatch(/^r[0-9a-z]+$/);
    expect(idOf(out[0])).toBe(`${idOf(records[0])}:${stats.runTag}`);
    const untagged = fakeDeps();
    await runReplay(records, { speed: 0, rebaseTime: true, runTag: '' }, untagged);
    expect(idOf(untagged.sent[0].batch[0])).toBe(idOf(records[0]));
  });

  it('stops when aborted, even when looping forever', async () => {
    const deps = fakeDeps();
    const controller = new AbortController();
    const send = deps.send;
    deps.send = async (batch) => {
      await send(batch);
      if (deps.sent.length === 5) controller.abort();
    };
    const stats = await runReplay(
      records,
      { speed: 0, loop: true, batchSize: 50, signal: controller.signal },
      deps,
    );
    expect(stats.batches).toBe(5);
  });

  it('refuses a negative speed', async () => {
    await expect(runReplay(records, { speed: -1 }, fakeDeps())).rejects.toThrow(/speed/);
  });
});

describe('toTopicMessages', () => {
  it('prefixes topics, keeps order within a topic, and sends string values raw', () => {
    const batch: ReplayRecord[] = [
      { topic: 'market.ticks', key: 'A', value: { id: '1' } },
      { topic: 'news.events', key: 'n', value: '{broken' },
      { topic: 'market.ticks', key: 'B', value: { id: '2' } },
    ];
    expect(toTopicMessages(batch, 'it-x.')).toEqual([
      {
        topic: 'it-x.market.ticks',
        messages: [
          { key: 'A', value: '{"id":"1"}' },
          { key: 'B', value: '{"id":"2"}' },
        ],
      },
      { topic: 'it-x.news.events', messages: [{ key: 'n', value: '{broken' }] },
    ]);
  });
});

describe('parseReplayArgs', () => {
  it('reads the documented options', () => {
    const o = parseReplayArgs([
      '--file',
      'f.jsonl',
      '--speed',
      '20',
      '--loop',
      '--rebase-time',
      '--topic-prefix',
      'p.',
    ]);
    expect(o).toMatchObject({
      file: 'f.jsonl',
      speed: 20,
      loop: true,
      rebaseTime: true,
      topicPrefix: 'p.',
    });
    expect(parseReplayArgs(['--file', 'f', '--loops', '2']).loop).toBe(2);
    expect(() => parseReplayArgs(['--speed', 'fast'])).toThrow(/speed/);
  });
});
