import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { EngineConsumers } from '../kafka/engine-consumers';
import { InputClock } from '../ports/input-clock';
import { StopSignal } from '../state/stop-signal';
import { TOPICS, config, metrics, news } from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import type { DeadLetterUnstorableUseCase } from '../use-cases/dead-letter-unstorable.use-case';
import type { EvaluateNewsUseCase } from '../use-cases/evaluate-news.use-case';
import { NewsHandler } from './news.handler';

const settle = () => new Promise((r) => setImmediate(r));

const story = (id: string, offset: string): KafkaMessage =>
  ({
    key: Buffer.from(id),
    value: Buffer.from(JSON.stringify(news(id, ['AAPL']))),
    offset,
    timestamp: String(Date.now()),
  }) as KafkaMessage;

function batchOf(partition: number, messages: KafkaMessage[]): EachBatchPayload {
  return {
    batch: { topic: TOPICS.news, partition, messages },
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

function setup(concurrency = 6) {
  // Each story's evaluation ends when the test says so.
  const release = new Map<string, (evaluated: boolean) => void>();
  const execute = jest.fn(
    (n: { id: string }) => new Promise<boolean>((resolve) => release.set(n.id, resolve)),
  );
  const commitOffsets = jest.fn(async (_o: { partition: number; offset: string }[]) => undefined);
  const stop = new StopSignal();
  const handler = new NewsHandler(
    config({}, { newsConcurrency: concurrency }),
    metrics(),
    { news: { commitOffsets } } as unknown as EngineConsumers,
    new InputClock(config({}, { maxClockSkewMs: 300_000 }), {
      now: () => new Date('2026-11-30T10:00:00.000Z'),
    }),
    strictMock<EvaluateNewsUseCase>('evaluateNews', { execute }),
    strictMock<DeadLetterUnstorableUseCase>('unstorable', {
      execute: (work: () => Promise<unknown>) => work(),
    } as Partial<DeadLetterUnstorableUseCase>),
    stop,
  );
  const committed = () => commitOffsets.mock.calls.map(([[o]]) => `${o.partition}:${o.offset}`);
  return { handler, execute, release, committed, stop };
}

describe('NewsHandler', () => {
  it('starts a batch and returns: a story on another partition is not held up by a long one', async () => {
    const { handler, release, committed } = setup();
    await handler.handleBatch(batchOf(0, [story('n-long', '5')]));
    await handler.handleBatch(batchOf(1, [story('n-short', '3')]));
    release.get('n-short')!(true);
    await settle();
    expect(committed()).toEqual(['1:4']);
    release.get('n-long')!(true);
    await settle();
    expect(committed()).toEqual(['1:4', '0:6']);
  });

  it('commits a partition in order: a later story done first waits for the earlier one', async () => {
    const { handler, release, committed } = setup();
    await handler.handleBatch(batchOf(0, [story('n-a', '10'), story('n-b', '11')]));
    release.get('n-b')!(true);
    await settle();
    expect(committed()).toEqual([]);
    release.get('n-a')!(true);
    await settle();
    expect(committed()).toEqual(['0:12']);
  });

  it('runs at most NEWS_CONCURRENCY stories at once; the batch waits for room', async () => {
    const { handler, execute, release } = setup(2);
    let returned = false;
    const started = handler
      .handleBatch(batchOf(0, [story('n-1', '1'), story('n-2', '2'), story('n-3', '3')]))
      .then(() => (returned = true));
    await settle();
    expect(execute).toHaveBeenCalledTimes(2);
    expect(returned).toBe(false);
    release.get('n-1')!(true);
    await started;
    expect(execute).toHaveBeenCalledTimes(3);
  });

  it('a story left unevaluated at shutdown commits nothing, nor anything after it', async () => {
    const { handler, release, committed, stop } = setup();
    await handler.handleBatch(batchOf(0, [story('n-a', '7'), story('n-b', '8')]));
    stop.stop();
    const drained = handler.drain();
    release.get('n-a')!(false);
    release.get('n-b')!(true);
    await drained;
    expect(committed()).toEqual([]);
    // Nothing new starts once draining.
    await handler.handleBatch(batchOf(0, [story('n-c', '9')]));
    expect(release.has('n-c')).toBe(false);
  });

  it('after a rebalance, stories of the old assignment commit nothing', async () => {
    const { handler, release, committed } = setup();
    await handler.handleBatch(batchOf(0, [story('n-a', '4')]));
    handler.onAssignment();
    release.get('n-a')!(true);
    await settle();
    expect(committed()).toEqual([]);
  });
});
