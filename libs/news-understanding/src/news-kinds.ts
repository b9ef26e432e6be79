import { EVENT_KINDS, type Direction, type Strength } from '@risk/reasoning/model/event-kinds';

/** An event kind the understanding model tells apart: its usual move of the issuer's stock. */
export interface NewsKind {
  id: string;
  direction: Direction;
  strength: Strength;
  typicalMovePct: number;
}

/**
 * The reasoner's 27 kinds, plus four that real newswires carry often and the templates lack. A
 * failed pivotal trial is as severe as a going-concern doubt; an offering dilutes.
 */
export const NEWS_KINDS: readonly NewsKind[] = [
  ...EVENT_KINDS.map(({ id, direction, strength, typicalMovePct }) => ({
    id,
    direction,
    strength,
    typicalMovePct,
  })),
  { id: 'trial_failure', direction: -1, strength: 4, typicalMovePct: 30 },
  { id: 'trial_success', direction: 1, strength: 3, typicalMovePct: 15 },
  { id: 'share_offering', direction: -1, strength: 1, typicalMovePct: 4 },
  { id: 'operational_disruption', direction: -1, strength: 2, typicalMovePct: 5 },
];

export const NEWS_KIND_IDS: readonly string[] = NEWS_KINDS.map((k) => k.id);

export function newsKind(id: string): NewsKind {
  const k = NEWS_KINDS.find((x) => x.id === id);
  if (!k) throw new Error(`unknown news kind ${id}`);
  return k;
}
