import { END_OF_ANSWER, Exposure, JUDGEMENT_CUE } from './corpus';
import { GroundingCounts, groundChainOfThought, groundingFactsFor } from './grounding';

/** `a long ` / `a short ` in "a short gains …": the side the conclusion rests on. */
const SIDE_CLAUSE = /\ba (long|short)(?= )/;

/** "about 0.58% of nav," before "so impact …": the conclusion reads a grounded nav effect. */
const NAV_EFFECT_CLAUSE = /% of nav,(?= )/;

/**
 * Where a generation is cut into a step: the end of a sentence or clause, right after the side in
 * "a short gains" and after the nav effect, so that side and figure are grounded before the model
 * concludes from them.
 */
export const STEP_STOPS: readonly string[] = [
  '. ',
  '; ',
  'a long ',
  'a short ',
  '% of nav, ',
  JUDGEMENT_CUE,
];

/**
 * Continues the given context (prompt plus the grounded steps so far) greedily and returns all the
 * text it generated, the stop included, ending at one of STEP_STOPS or at the end of the answer.
 */
export type StepGenerator = (context: string) => Promise<string>;

/** The first step of a generated continuation, and whether the reasoning ends with it. */
export function cutStep(generated: string): { step: string; done: boolean } {
  const text = generated.replace(
    new RegExp(`${END_OF_ANSWER.replace(/\|/g, '\\|')}[\\s\\S]*$`),
    '',
  );
  const cue = text.indexOf(JUDGEMENT_CUE);
  const ends = ['. ', '; ']
    .map((s) => text.indexOf(s))
    .filter((i) => i >= 0)
    .map((i) => i + 1);
  for (const clause of [SIDE_CLAUSE, NAV_EFFECT_CLAUSE]) {
    const m = clause.exec(text);
    if (m) ends.push(m.index + m[0].length);
  }
  const before = ends.filter((i) => cue < 0 || i <= cue);
  if (before.length > 0) {
    return { step: text.slice(0, Math.min(...before)).trim(), done: false };
  }
  return { step: (cue >= 0 ? text.slice(0, cue) : text).trim(), done: true };
}

export interface GroundedReasoning {
  /** The chain of thought as shown: every step grounded before the next was generated. */
  text: string;
  /** The steps as the model generated them, before grounding. */
  raw: string[];
  counts: GroundingCounts;
}

/**
 * Grounds the chain of thought step by step while it is generated: each step's figures are checked
 * against the inputs and corrected (or the step dropped) before the model continues, so a misread
 * figure or side never feeds the next step of the reasoning.
 */
export async function reasonGrounded(
  prompt: string,
  exposure: Exposure,
  generate: StepGenerator,
  maxSteps = 12,
): Promise<GroundedReasoning> {
  const shown: string[] = [];
  const raw: string[] = [];
  const counts: GroundingCounts = {
    checked: 0,
    matched: 0,
    corrected: 0,
    dropped: 0,
    stepsDropped: 0,
    sidesCorrected: 0,
    symbolsCorrected: 0,
  };
  let lastShown = -1;
  for (let i = 0; i < maxSteps; i++) {
    const context = shown.length > 0 ? `${prompt} ${shown.join(' ')}` : prompt;
    const { step, done } = cutStep(await generate(context));
    // Greedy decoding from an unchanged context repeats a dropped step forever: stop instead.
    if (
      step.length > 0 &&
      raw.length > 0 &&
      raw[raw.length - 1] === step &&
      shown.length === lastShown
    ) {
      break;
    }
    lastShown = shown.length;
    if (step.length > 0) {
      raw.push(step);
      const facts = groundingFactsFor(exposure, [...shown, step].join(' '));
      const g = groundChainOfThought(step, facts);
      for (const key of Object.keys(counts) as (keyof GroundingCounts)[]) {
        counts[key] += g.counts[key];
      }
      if (g.text.length > 0) shown.push(g.text);
    }
    if (done || step.length === 0) break;
  }
  return { text: shown.join(' '), raw, counts };
}
