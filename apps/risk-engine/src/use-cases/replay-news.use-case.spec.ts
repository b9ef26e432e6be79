import { RecentNews } from '@risk/engine';
import { partitionForKey } from '@risk/platform';
import { EngineLock } from '../state/engine-lock';
import { PartitionOwnership } from '../state/partition-ownership';
import type { PositionsWatermark } from '../state/positions-watermark';
import { TOPICS, layout, news, newCore, portfolio } from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import type { EvaluateNewsUseCase } from './evaluate-news.use-case';
import { ReplayNewsUseCase } from './replay-news.use-case';

const PARTITIONS = 4;
const partitionOf = (pid: string) => partitionForKey(TOPICS.positions, pid, PARTITIONS);
/** Two portfolios on different partitions. */
const [kept, adopted] = (() => {
  const ids = Array.from({ length: 20 }, (_, i) => `pf-${i}`);
  const a = ids[0];
  return [a, ids.find((id) => partitionOf(id) !== partitionOf(a))!];
})();

function setup(caughtUp = true, reached: string[] = []) {
  const core = newCore();
  for (const id of [kept, adopted])
    core.install(portfolio(id, [{ symbol: 'AAPL', quantity: 10, price: 100 }]));
  const ownership = new PartitionOwnership(TOPICS, layout(PARTITIONS), core);
  ownership.ownedPartitions = new Set([partitionOf(kept), partitionOf(adopted)]);
  const recentNews = new RecentNews(10, 0);
  const evaluate = jest.fn(
    async (_n: unknown, _t: string, only?: ReadonlySet<string>) => only!.size,
  );
  const useCase = new ReplayNewsUseCase(
    core,
    new EngineLock(),
    recentNews,
    ownership,
    strictMock<PositionsWatermark>('watermark', { caughtUp: async () => caughtUp }),
    strictMock<EvaluateNewsUseCase>('evaluateNews', {
      evaluate,
      // Direct holders, and `reached` for a story naming no symbol (through the graph).
      holdersOf: (n) => (n.symbols.length > 0 ? core.holdersOf(n.symbols) : reached),
    }),
  );
  return { recentNews, evaluate, useCase };
}

describe('ReplayNewsUseCase', () => {
  it('evaluates the passed items again for the portfolios of the gained partitions only, oldest first', async () => {
    const { recentNews, evaluate, useCase } = setup();
    recentNews.add(TOPICS.news, news('n2', ['AAPL'], '2026-11-30T10:00:00.000Z'));
    recentNews.add(TOPICS.news, news('n1', ['AAPL'], '2026-11-30T09:00:00.000Z'));
    recentNews.add(TOPICS.news, news('n3', ['TSLA'], '2026-11-30T09:30:00.000Z'));
    await useCase.execute(new Set([partitionOf(adopted)]));

    expect(
      evaluate.mock.calls.map(([n, topic, only]) => [(n as { id: string }).id, topic, [...only!]]),
    ).toEqual([
      ['n1', TOPICS.news, [adopted]],
      ['n2', TOPICS.news, [adopted]],
    ]);
  });

  it('replays a story to an adopted portfolio it reached through the knowledge graph', async () => {
    const { recentNews, evaluate, useCase } = setup(true, [kept, adopted]);
    recentNews.add(TOPICS.news, news('n-graph', []));
    await useCase.execute(new Set([partitionOf(adopted)]));
    expect(
      evaluate.mock.calls.map(([n, , only]) => [(n as { id: string }).id, [...only!]]),
    ).toEqual([['n-graph', [adopted]]]);
  });

  it('replays nothing without gained partitions or passed news', async () => {
    const { recentNews, evaluate, useCase } = setup();
    await useCase.execute(new Set([partitionOf(adopted)]));
    recentNews.add(TOPICS.news, news('n1', ['AAPL']));
    await useCase.execute(new Set());
    expect(evaluate).not.toHaveBeenCalled();
  });

  it('replays nothing when the engine stops before the positions are applied', async () => {
    const { recentNews, evaluate, useCase } = setup(false);
    recentNews.add(TOPICS.news, news('n1', ['AAPL']));
    await useCase.execute(new Set([partitionOf(adopted)]));
    expect(evaluate).not.toHaveBeenCalled();
  });
});
