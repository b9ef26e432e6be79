import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import type { TopicNames } from '@risk/contracts';
import {
  DEFAULT_DRIFT_RULE,
  DEFAULT_OUTCOME_RULE,
  brierScore,
  calibrationByBand,
  calibrationDrift,
  realizedOutcomes,
  rocAuc,
  type BandDrift,
  type CalibrationBand,
} from '@risk/backtest';
import { ModelQualityRepository } from '@risk/persistence';
import { METRICS, TOPICS, type ServiceMetrics } from '@risk/platform';

export interface ModelQualityReport {
  window: string;
  /** Event-time span judged: the window up to the newest evaluation. */
  from: string | null;
  to: string | null;
  evaluations: number;
  /** Evaluations whose 10 minutes have passed (and no rebalance in them). */
  resolved: number;
  positives: number;
  brier: number | null;
  auc: number | null;
  bands: CalibrationBand[];
  worstBand: BandDrift | null;
  drift: { bound: number; minZ: number; minCount: number; drifting: boolean };
  outcome: { horizonMinutes: number; lossFraction: number };
}

/** The default window of the gauges and the drift check. */
export const MONITOR_WINDOW_MS = 24 * 3_600_000;
const MONITOR_INTERVAL_MS = 60_000;
/** The most evaluations one assessment reads (the newest ones of the window). */
export const MAX_EVALUATIONS = 200_000;

/**
 * Joins the merged score to realized outcomes and keeps the Prometheus gauges; every minute it
 * checks the last 24 h of event time and raises a webhook alert when calibration drifts
 * (docs/risk-methodology.md § 13).
 */
@Injectable()
export class ModelQualityService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ModelQualityService.name);
  private readonly repo: ModelQualityRepository;
  private readonly gauges: {
    brier: Gauge;
    auc: Gauge;
    resolved: Gauge;
    observed: Gauge<'band'>;
    predicted: Gauge<'band'>;
    drifting: Gauge;
  };
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DataSource) ds: DataSource,
    @Inject(METRICS) metrics: ServiceMetrics,
    @Inject(TOPICS) private readonly topics: TopicNames,
  ) {
    this.repo = new ModelQualityRepository(ds);
    const registers = [metrics.registry];
    const existing = (name: string) => metrics.registry.getSingleMetric(name);
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      (existing(name) as Gauge<L> | undefined) ??
      new Gauge<L>({ name, help, labelNames, registers });
    this.gauges = {
      brier: gauge('risk_model_brier', 'Brier score of the merged score, last 24 h of event time'),
      auc: gauge('risk_model_auc', 'ROC AUC of the merged score, last 24 h of event time'),
      resolved: gauge('risk_model_outcomes', 'Evaluations with a realized outcome, last 24 h'),
      observed: gauge('risk_model_band_observed_rate', 'Observed loss rate per score band', [
        'band',
      ]),
      predicted: gauge('risk_model_band_mean_score', 'Mean merged score per score band', ['band']),
      drifting: gauge('risk_model_calibration_drifting', '1 while calibration is beyond its bound'),
    };
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), MONITOR_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async assess(windowMs: number, window: string): Promise<ModelQualityReport> {
    const to = await this.repo.newestEvaluationTs();
    const evaluations =
      to === null
        ? []
        : await this.repo.scoredEvaluations(
            to - windowMs,
            to,
            this.topics.positions,
            MAX_EVALUATIONS,
          );
    const outcomes = to === null ? [] : realizedOutcomes(evaluations, to, DEFAULT_OUTCOME_RULE);
    const bands = calibrationByBand(outcomes);
    const { worst, drifting } = calibrationDrift(bands, DEFAULT_DRIFT_RULE);
    const report: ModelQualityReport = {
      window,
      from: to === null ? null : new Date(to - windowMs).toISOString(),
      to: to === null ? null : new Date(to).toISOString(),
      evaluations: evaluations.length,
      resolved: outcomes.length,
      positives: outcomes.filter((o) => o.outcome === 1).length,
      brier: brierScore(outcomes),
      auc: rocAuc(outcomes),
      bands,
      worstBand: worst,
      drift: { ...DEFAULT_DRIFT_RULE, drifting },
      outcome: {
        horizonMinutes: DEFAULT_OUTCOME_RULE.horizonMs / 60_000,
        lossFraction: DEFAULT_OUTCOME_RULE.lossFraction,
      },
    };
    return report;
  }

  /** The gauges over the monitor's window, and the drift alert. */
  async check(): Promise<ModelQualityReport | null> {
    try {
      const r = await this.assess(MONITOR_WINDOW_MS, '24h');
      this.gauges.brier.set(r.brier ?? NaN);
      this.gauges.auc.set(r.auc ?? NaN);
      this.gauges.resolved.set(r.resolved);
      for (const b of r.bands) {
        this.gauges.observed.set({ band: b.band }, b.observedRate ?? NaN);
        this.gauges.predicted.set({ band: b.band }, b.meanScore ?? NaN);
      }
      this.gauges.drifting.set(r.drift.drifting ? 1 : 0);
      if (r.drift.drifting && r.worstBand && r.to) {
        const w = r.worstBand;
        const band = r.bands.find((b) => b.band === w.band)!;
        const raised = await this.repo.raiseDriftAlert({
          ts: r.to,
          incidentId: `model-drift:${r.to.slice(0, 10)}`,
          reason:
            `merged score calibration drift: band ${w.band} observed ${pct(band.observedRate)} ` +
            `vs predicted ${pct(band.meanScore)} over ${band.count} outcomes ` +
            `(|gap| > ${DEFAULT_DRIFT_RULE.bound}, z = ${w.z.toFixed(1)})`,
        });
        if (raised) this.log.warn(`model-quality alert raised: band ${w.band}`);
      }
      return r;
    } catch (err) {
      this.log.error(`model-quality check failed: ${String(err)}`);
      return null;
    }
  }
}

function pct(x: number | null): string {
  return x === null ? '—' : `${(x * 100).toFixed(1)}%`;
}
