import type { Instrument, Relation, RelationKind } from '@risk/contracts';

/** What the graph keeps of a `reference.instruments` message. */
export type GraphInstrument = Pick<
  Instrument,
  | 'symbol'
  | 'issuer'
  | 'type'
  | 'name'
  | 'aliases'
  | 'sector'
  | 'country'
  | 'currency'
  | 'underlying'
>;

/** What the graph keeps of a `reference.relations` message. */
export type GraphRelation = Pick<Relation, 'id' | 'from' | 'to' | 'kind' | 'weight'>;

/**
 * One step of a path. Besides the contract's relation kinds: `underlying_of` (from an instrument
 * to a derivative written on it, weight 1) and `exposed_to` (from a factor such as
 * `factor:rates` to an instrument, weight from the factor map).
 */
export type PathKind = RelationKind | 'underlying_of' | 'exposed_to';

export interface PathEdge {
  from: string;
  kind: PathKind;
  to: string;
  weight: number;
}

/** An instrument a story reaches: the product of the weights along its strongest path. */
export interface Reached {
  symbol: string;
  weight: number;
  /** Relation edges followed (issuer relations and constituent_of); 0 for the story's own names. */
  hops: number;
  path: PathEdge[];
}

/** Bounds of a traversal (docs/knowledge-graph.md § Bounds). */
export interface ReachSettings {
  /** Relation edges a path may follow (issuer relations and constituent_of). */
  maxHops: number;
  /** From each node, only the strongest this many relation edges are followed. */
  maxFanOut: number;
  /** Paths weaker than this are not followed further nor reported. */
  minWeight: number;
  /** The strongest this many reached instruments are reported. */
  maxResults: number;
  /** Follow issuer relations against their direction too (a customer's trouble reaches its supplier). */
  bothWays: boolean;
}

export const DEFAULT_REACH_SETTINGS: Readonly<ReachSettings> = {
  maxHops: 2,
  maxFanOut: 50,
  minWeight: 0.01,
  maxResults: 5000,
  bothWays: true,
};
