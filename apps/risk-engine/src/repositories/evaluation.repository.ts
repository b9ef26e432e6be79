import { Injectable } from '@nestjs/common';
import {
  RiskStore,
  type EngineStateRecord,
  type EvaluationOutcome,
  type SnapshotRecord,
} from '@risk/persistence';

export interface CommitResult {
  /** The outcomes that took effect (the others' source events were already processed). */
  committed: EvaluationOutcome[];
  snapshotApplied: boolean;
}

/**
 * Evaluations and everything that commits with them. `commit` is the engine's one exactly-once
 * boundary: the idempotency claims, evaluations, alerts, outbox rows, portfolio state, and
 * optionally a snapshot and the engine's price state, in one transaction.
 */
@Injectable()
export class EvaluationRepository {
  constructor(private readonly store: RiskStore) {}

  commit(
    outcomes: EvaluationOutcome[],
    engineState?: EngineStateRecord,
    snapshot?: SnapshotRecord,
  ): Promise<CommitResult> {
    return this.store.commitOutcomes(outcomes, engineState, snapshot);
  }

  /** Each portfolio's last evaluations that ran the language model: their explanation steps. */
  recentReasoningSteps(
    ids: readonly string[],
    perPortfolio: number,
  ): ReturnType<RiskStore['recentReasoningSteps']> {
    return this.store.recentReasoningSteps(ids, perPortfolio);
  }

  /** Which of `scopes` (portfolio ids) already have an evaluation for the event. */
  evaluatedScopes(topic: string, eventId: string, scopes: string[]): Promise<Set<string>> {
    return this.store.processedScopes(topic, eventId, scopes);
  }
}
