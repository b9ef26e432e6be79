import type { ReasoningGates } from '@risk/platform';
import type { DirtyPortfolio, EvaluateArgs, Evaluated, PortfolioState } from './engine-core';
import type { Judgement } from './judgement';
import {
  moveStep,
  moveToJudgeFirst,
  moveToJudgeOnLevelChange,
  type MoveWhy,
  type PriceMove,
} from './move-reasoning';

/** One dirty portfolio of a tick flush, as planned: its evaluation and what to judge. */
export interface FlushItem {
  d: DirtyPortfolio;
  /** The state it was planned from; the commit re-scores if the portfolio's state moved on. */
  state: PortfolioState;
  /**
   * Its evaluation's arguments, kept only while a judgement may need them (without one the
   * plain evaluation is all it needs: a flush of 2,000 portfolios held 2,000 assessments).
   */
  args?: EvaluateArgs;
  /** The evaluation without a judgement, when planning needed it. */
  plain?: Evaluated;
  judge?: { move: PriceMove; why: MoveWhy };
}

/** Evaluates a portfolio from its arguments (EngineCore.evaluate). */
export type EvaluateFn = (args: EvaluateArgs) => Evaluated;

/**
 * One portfolio ticks made dirty: the trees always; the language model at most once, on its
 * largest move since the last flush — first if that move is large (gate `moves`), else if the
 * evaluation without it changes the portfolio's level (gate `levels`), and then re-decided
 * with the judgement.
 */
export function planDirty(
  gates: ReasoningGates,
  d: DirtyPortfolio,
  state: PortfolioState,
  args: EvaluateArgs,
  evaluate: EvaluateFn,
): FlushItem {
  const large = moveToJudgeFirst(gates, d.move);
  if (large) return { d, state, args, judge: { move: large, why: { gate: 'moves' } } };
  const plain = evaluate(args);
  const to = plain.outcome.evaluation.level;
  const move = moveToJudgeOnLevelChange(gates, d.move, state.lastLevel, to);
  const why = { gate: 'levels' as const, from: state.lastLevel!, to };
  return move ? { d, state, args, plain, judge: { move, why } } : { d, state, plain };
}

/**
 * A planned portfolio's evaluation from `state` (its current one), with the judgement when the
 * model gave one: a `levels` judgement is kept only if the level still changes from `state`.
 * `given`: its arguments when the state changed since it was planned.
 */
export function evaluateFlushItem(
  p: FlushItem,
  reasoning: Judgement | undefined,
  state: PortfolioState,
  evaluate: EvaluateFn,
  given?: EvaluateArgs,
): Evaluated {
  const plain = state === p.state ? p.plain : undefined;
  const args = given ?? p.args;
  if (!args) {
    // Unchanged and planned without a judgement: its plain evaluation stands.
    if (!plain) throw new Error(`flush item ${p.state.id} has neither arguments nor evaluation`);
    return plain;
  }
  if (!reasoning || !p.judge) return plain ?? evaluate(args);
  let why = p.judge.why;
  if (state !== p.state && why.gate === 'levels') {
    const to = evaluate(args).outcome.evaluation.level;
    if (to === state.lastLevel) return evaluate(args);
    why = { gate: 'levels', from: state.lastLevel!, to };
  }
  return evaluate({ ...args, reasoning, context: [moveStep(p.judge.move, why)] });
}
