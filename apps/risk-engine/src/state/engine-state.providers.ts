import type { Provider } from '@nestjs/common';
import type { EngineStateRecord } from '@risk/persistence';
import { EngineCore, PositionsProgress, RecentNews, TickProgress } from '@risk/engine';
import { APP_CONFIG, type AppConfig } from '@risk/platform';
import type { InstrumentBookSnapshot } from '@risk/risk-metrics';
import { EngineStateRepository } from '../repositories/engine-state.repository';

/** The price state and tick offsets the instance saved last (null on its first boot). */
const SAVED_ENGINE_STATE = Symbol('SAVED_ENGINE_STATE');

/**
 * The engine's in-memory state, built once at boot: the pure core (restored from the saved
 * price state), the tick offsets it covers, the news it passed, the positions it applied.
 */
export const engineStateProviders: Provider[] = [
  {
    provide: SAVED_ENGINE_STATE,
    useFactory: (repo: EngineStateRepository, cfg: AppConfig) => repo.load(cfg.instanceId),
    inject: [EngineStateRepository, APP_CONFIG],
  },
  {
    provide: EngineCore,
    useFactory: (saved: EngineStateRecord | null, cfg: AppConfig) =>
      new EngineCore(
        {
          ewmaLambda: cfg.ewmaLambda,
          sampleIntervalMs: cfg.sampleIntervalMs,
          largeMoveSigma: cfg.largeMoveSigma,
        },
        saved ? (saved.instruments as InstrumentBookSnapshot) : undefined,
      ),
    inject: [SAVED_ENGINE_STATE, APP_CONFIG],
  },
  {
    provide: TickProgress,
    useFactory: (saved: EngineStateRecord | null) => new TickProgress(saved?.tickOffsets),
    inject: [SAVED_ENGINE_STATE],
  },
  {
    provide: RecentNews,
    useFactory: (cfg: AppConfig) => new RecentNews(cfg.recentNewsMax, cfg.recentNewsWindowMs),
    inject: [APP_CONFIG],
  },
  { provide: PositionsProgress, useFactory: () => new PositionsProgress() },
];
