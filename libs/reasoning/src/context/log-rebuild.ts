import { IMPACTS, type Exposure, type Impact } from '../model';
import type { LogItem } from './reasoner-format';

/** An explanation step as evaluations store it (`risk.evaluations`' `explanation.steps`). */
export interface StoredStep {
  readonly kind: string;
  readonly text: string;
  readonly data?: unknown;
}

const NO_REASONING = '(no step of the chain of thought could be backed by the inputs)';

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/**
 * The logged item an evaluation's explanation records, or null when no language model judged
 * in it: the headline, the exposure and the impact from its first `reasoning` step, the chain
 * of thought as shown from the step that carries the grounding counts. The body is not stored,
 * so a rebuilt item has none.
 */
export function logItemFromSteps(steps: readonly StoredStep[]): LogItem | null {
  const reasoning = steps.filter((s) => s.kind === 'reasoning');
  const head = reasoning.find((s) => typeof record(s.data)?.['newsId'] === 'string');
  const data = record(head?.data);
  if (!head || !data) return null;
  const newsId = data['newsId'] as string;
  const prefix = `news ${newsId} "`;
  const end = head.text.lastIndexOf('", exposure ');
  if (!head.text.startsWith(prefix) || end < prefix.length) return null;
  const impact = data['impact'];
  const exposure = record(data['exposure']);
  const symbol = data['symbol'];
  if (!IMPACTS.includes(impact as Impact) || !exposure || typeof symbol !== 'string') return null;
  const side = exposure['side'];
  if (side !== 'long' && side !== 'short' && side !== 'none') return null;
  const shown = reasoning.find((s) => record(s.data)?.['grounding'] !== undefined);
  let chainOfThought = shown ? shown.text.replace(/ \[figures checked: [^\]]*\]$/, '') : '';
  if (chainOfThought === NO_REASONING) chainOfThought = '';
  const e: Exposure = {
    symbol,
    side,
    quantity: Number(exposure['quantity'] ?? 0),
    price: Number(exposure['price'] ?? 0),
    sharePct: Number(exposure['sharePct'] ?? 0),
  };
  return {
    headline: head.text.slice(prefix.length, end),
    body: '',
    exposure: e,
    chainOfThought,
    impact: impact as Impact,
  };
}

/** The log items of a portfolio's evaluations (oldest first), the last `max` of them. */
export function logItemsFromEvaluations(
  evaluations: readonly { readonly steps: readonly StoredStep[] }[],
  max: number,
): LogItem[] {
  const items = evaluations.flatMap((e) => {
    const item = logItemFromSteps(e.steps);
    return item ? [item] : [];
  });
  return items.slice(Math.max(0, items.length - max));
}
