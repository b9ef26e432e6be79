import { Injectable } from '@nestjs/common';
import { EngineCore, type EvaluateArgs, type Evaluated, type PortfolioState } from '@risk/engine';
import { assessPortfolio, type Assessment, type TreeVerdict } from '@risk/scoring';
import { TreeScoringService } from '../tree-scoring.service';

/** Assessment → tree verdict → evaluation: the one way every trigger evaluates a portfolio. */
@Injectable()
export class PortfolioScorer {
  constructor(
    private readonly core: EngineCore,
    private readonly trees: TreeScoringService,
  ) {}

  async evaluate(
    tsMs: number,
    args: Omit<EvaluateArgs, 'assessment' | 'tree'>,
  ): Promise<Evaluated> {
    return this.core.evaluate({ ...args, ...(await this.score(tsMs, args.state)) });
  }

  /**
   * Many portfolios evaluated at one event time, the trees in one model run (a story's
   * holders): the same evaluations as `evaluate` one at a time.
   */
  async evaluateMany(
    tsMs: number,
    args: readonly Omit<EvaluateArgs, 'assessment' | 'tree'>[],
  ): Promise<Evaluated[]> {
    const scores = await this.scoreMany(
      tsMs,
      args.map((a) => a.state),
    );
    return args.map((a, i) => this.core.evaluate({ ...a, ...scores[i] }));
  }

  /** `score` of many states, the trees' verdicts in one model run. */
  scoreMany(
    tsMs: number,
    states: readonly PortfolioState[],
  ): Promise<{ assessment: Assessment; tree: TreeVerdict | null }[]> {
    return this.scoreEach(states.map((state) => ({ state, tsMs })));
  }

  /** `score` of many states, each at its own time (a flush's ticks), the trees in one run. */
  async scoreEach(
    each: readonly { state: PortfolioState; tsMs: number }[],
  ): Promise<{ assessment: Assessment; tree: TreeVerdict | null }[]> {
    const items = each.map(({ state, tsMs }) => ({
      state,
      tsMs,
      assessment: assessPortfolio(EngineCore.contextOf(state), this.core.book),
    }));
    const trees = await this.trees.verdicts(this.core, items);
    return items.map((it, i) => ({ assessment: it.assessment, tree: trees[i] }));
  }

  /** The assessment and the trees' verdict (which sees `state.lastNews`, never a move). */
  async score(
    tsMs: number,
    state: PortfolioState,
  ): Promise<{ assessment: Assessment; tree: TreeVerdict | null }> {
    const assessment = assessPortfolio(EngineCore.contextOf(state), this.core.book);
    return { assessment, tree: await this.trees.verdict(this.core, state, assessment, tsMs) };
  }
}
