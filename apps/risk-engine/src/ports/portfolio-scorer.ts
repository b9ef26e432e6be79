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

  /** The assessment and the trees' verdict (which sees `state.lastNews`, never a move). */
  async score(
    tsMs: number,
    state: PortfolioState,
  ): Promise<{ assessment: Assessment; tree: TreeVerdict | null }> {
    const assessment = assessPortfolio(EngineCore.contextOf(state), this.core.book);
    return { assessment, tree: await this.trees.verdict(this.core, state, assessment, tsMs) };
  }
}
