/** Output records of the public contract: Evaluation and Alert. */
export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export function levelRank(level: RiskLevel): number {
  return RISK_LEVELS.indexOf(level);
}

export type ExplanationStepKind =
  'metric' | 'limit' | 'tree' | 'reasoning' | 'decision' | 'relation';

export interface ExplanationStep {
  kind: ExplanationStepKind;
  text: string;
  data: Record<string, unknown>;
}

export interface RiskMetricsRecord {
  nav: number;
  grossExposure: number;
  netExposure: number;
  maxWeight: number;
  maxWeightSymbol: string | null;
  hhi: number;
  var99: number;
  es99: number;
  volAnnualized: number;
  drawdown: number;
  unpriced?: string[];
}

export interface EvaluationTrigger {
  topic: string;
  eventId: string;
}

export interface EvaluationTimings {
  totalMs: number;
  reasoningMs: number;
  cachedTokens: number;
  newTokens: number;
}

export interface EvaluationExplanation {
  steps: ExplanationStep[];
  models: Record<string, string>;
  /** Positions the steps do not name: only the 50 largest by |value| are (absent when none is left out). */
  truncatedPositions?: number;
}

export interface Evaluation {
  id: string;
  portfolioId: string;
  ts: string;
  trigger: EvaluationTrigger;
  score: number;
  level: RiskLevel;
  metrics: RiskMetricsRecord;
  explanation: EvaluationExplanation;
  timings: EvaluationTimings;
}

export interface Alert {
  id: string;
  portfolioId: string;
  ts: string;
  level: RiskLevel;
  previousLevel: RiskLevel | null;
  evaluationId: string;
  reason: string;
  incidentId?: string;
}
