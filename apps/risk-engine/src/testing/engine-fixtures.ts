import {
  topicNames,
  type Instrument,
  type NewsEvent,
  type PositionsSnapshot,
  type ReferenceChange,
  type TopicNames,
} from '@risk/contracts';
import {
  EngineCore,
  toJudgement,
  type EvaluateArgs,
  type Judgement,
  type OutputTopics,
  type PortfolioState,
} from '@risk/engine';
import type { EngineStateRecord, EvaluationOutcome } from '@risk/persistence';
import { ServiceMetrics, type AppConfig } from '@risk/platform';
import { assessPortfolio } from '@risk/scoring';
import type { CommittedOutcomes } from '../ports/committed-outcomes';
import { portfolioState } from '@risk/engine/testing/portfolio-state';
import type { PortfolioScorer } from '../ports/portfolio-scorer';
import type { EvaluationRepository } from '../repositories/evaluation.repository';
import { TopicLayout } from '../state/topic-layout';
import { strictMock } from './strict-mock';

export const TOPICS: TopicNames = topicNames();

export const out: OutputTopics = {
  evaluations: TOPICS.evaluations,
  alerts: TOPICS.alerts,
  partitionFor: () => 0,
};

export const layout = (positionsPartitions = 1) => new TopicLayout(positionsPartitions, out);

export const newCore = () =>
  new EngineCore({ ewmaLambda: 0.94, sampleIntervalMs: 60_000, largeMoveSigma: 3 });

/** The settings the use cases read; every reasoning gate open unless overridden. */
export const config = (
  gates: Partial<AppConfig['reasoningGate']> = {},
  settings: Partial<AppConfig> = {},
) =>
  ({
    instanceId: 'engine-test',
    reasoningGate: { news: true, moves: true, levels: true, ...gates },
    newsMaxPortfolios: 10_000,
    newsBatchPortfolios: 256,
    newsWaveMs: 3000,
    ...settings,
  }) as AppConfig;

export const portfolio = (
  id: string,
  positions: { symbol: string; quantity: number; price?: number }[],
): PortfolioState => portfolioState(id, positions, { sourceTopic: TOPICS.positions });

export const news = (
  id: string,
  symbols: string[],
  ts = '2026-11-30T09:30:00.000Z',
): NewsEvent => ({
  id,
  ts,
  headline: `${symbols.join(', ')} issues a profit warning`,
  symbols,
});

export const snapshot = (portfolioId: string, id = 's1'): PositionsSnapshot => ({
  id,
  portfolioId,
  ts: '2026-11-30T09:00:00.000Z',
  baseCurrency: 'USD',
  cash: 50_000,
  positions: [{ symbol: 'AAPL', quantity: 100, price: 200 }],
});

/** A model judgement of `itemId` on `symbol`, with `pSevere` as its severe-negative probability. */
export function judged(itemId: string, symbol: string, pSevere = 0.1): Judgement {
  return toJudgement(
    { id: itemId, headline: `${symbol} headline`, symbols: [symbol] },
    { symbol, side: 'long', quantity: 100, price: 100, sharePct: 10 },
    {
      probabilities: {
        severe_negative: pSevere,
        negative: 0.2,
        neutral: 0.7 - pSevere,
        positive: 0.1,
      },
      impact: 'neutral',
      severity: null,
      rawChainOfThought: null,
      grounded: null,
      timings: { cachedTokens: 4, newTokens: 8, reasoningMs: 12 },
    },
    'reasoner@test',
  );
}

/** The scorer on the real core, without a tree model. */
export const scorerOn = (core: EngineCore) =>
  strictMock<PortfolioScorer>('scorer', {
    evaluate: async (_tsMs: number, args: Omit<EvaluateArgs, 'assessment' | 'tree'>) =>
      core.evaluate(args),
    evaluateMany: async (
      _tsMs: number,
      args: readonly Omit<EvaluateArgs, 'assessment' | 'tree'>[],
    ) => args.map((a) => core.evaluate(a)),
    score: async (_tsMs: number, state: PortfolioState) => ({
      assessment: assessPortfolio(EngineCore.contextOf(state), core.book),
      tree: null,
    }),
    scoreEach: async (each: readonly { state: PortfolioState; tsMs: number }[]) =>
      each.map(({ state }) => ({
        assessment: assessPortfolio(EngineCore.contextOf(state), core.book),
        tree: null,
      })),
  });

/** A repository whose commit takes every outcome (none was processed before). */
export const evaluationsTakingAll = (evaluated: string[] = []) => {
  const commit = jest.fn(
    async (outcomes: EvaluationOutcome[], _engineState?: EngineStateRecord) => ({
      committed: outcomes,
      snapshotApplied: true,
    }),
  );
  const evaluatedScopes = jest.fn(async () => new Set(evaluated));
  return {
    commit,
    evaluatedScopes,
    repo: strictMock<EvaluationRepository>('evaluations', { commit, evaluatedScopes }),
  };
};

export const reporter = () => {
  const report = jest.fn();
  return { report, committed: strictMock<CommittedOutcomes>('committed', { report }) };
};

export const metrics = () => new ServiceMetrics();

/** A reference-data upsert of an instrument named `name`: no aliases, sector or country. */
export const instrumentUpsert = (
  symbol: string,
  issuer: string,
  name: string,
  type: Instrument['type'] = 'equity',
  ts = '2026-11-30T08:00:00.000Z',
): ReferenceChange => ({
  kind: 'instrument',
  op: 'upsert',
  key: symbol,
  value: {
    id: `i-${symbol}`,
    ts,
    symbol,
    issuer,
    type,
    name,
    aliases: [],
    sector: null,
    country: null,
    currency: null,
    underlying: null,
  },
});
