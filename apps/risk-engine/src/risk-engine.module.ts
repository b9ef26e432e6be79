import { Module } from '@nestjs/common';
import { NewsHandler } from './handlers/news.handler';
import { PositionsHandler } from './handlers/positions.handler';
import { ReferenceHandler } from './handlers/reference.handler';
import { TicksHandler } from './handlers/ticks.handler';
import { EngineConsumers } from './kafka/engine-consumers';
import { NewsReasoningService } from './news-reasoning.service';
import { NewsUnderstandingService } from './news-understanding.service';
import { OutboxRelay } from './outbox-relay.thread';
import { CommittedOutcomes } from './ports/committed-outcomes';
import { DeadLetters } from './ports/dead-letters';
import { InputClock } from './ports/input-clock';
import { Judge } from './ports/judge';
import { ModelReasoningContexts } from './ports/model-reasoning-contexts';
import { PortfolioScorer } from './ports/portfolio-scorer';
import { ReasoningContexts } from './ports/reasoning-contexts';
import { ReasoningJudge } from './ports/reasoning-judge';
import { EngineStateRepository } from './repositories/engine-state.repository';
import { EvaluationRepository } from './repositories/evaluation.repository';
import { PortfolioStateRepository } from './repositories/portfolio-state.repository';
import { ReferenceRepository } from './repositories/reference.repository';
import { riskStoreProvider } from './repositories/risk-store.provider';
import { RiskEngineLifecycle } from './risk-engine.lifecycle';
import { EngineLock, FlushLock } from './state/engine-lock';
import { engineStateProviders } from './state/engine-state.providers';
import { PartitionOwnership } from './state/partition-ownership';
import { PositionsWatermark } from './state/positions-watermark';
import { ReferenceGraph } from './state/reference-graph';
import { FuzzyLinking } from './state/fuzzy-linking';
import { StopSignal } from './state/stop-signal';
import { topicLayoutProvider } from './state/topic-layout';
import { TreeScoringService } from './tree-scoring.service';
import { AdoptPartitionsUseCase } from './use-cases/adopt-partitions.use-case';
import { ApplySnapshotUseCase } from './use-cases/apply-snapshot.use-case';
import { ApplyTicksUseCase } from './use-cases/apply-ticks.use-case';
import { DeadLetterUnstorableUseCase } from './use-cases/dead-letter-unstorable.use-case';
import { EvaluateNewsUseCase } from './use-cases/evaluate-news.use-case';
import { FlushTicksUseCase } from './use-cases/flush-ticks.use-case';
import { ReplayNewsUseCase } from './use-cases/replay-news.use-case';

/**
 * The risk engine, read top-down: Kafka handlers (decode, hand over, commit) → use cases (one
 * job each) → ports (repositories, judge, scorer, ownership) → the pure core in @risk/engine.
 * docs/architecture.md § Risk engine.
 */
@Module({
  providers: [
    // Handlers and their lifecycle.
    RiskEngineLifecycle,
    EngineConsumers,
    PositionsHandler,
    TicksHandler,
    NewsHandler,
    ReferenceHandler,
    // Use cases.
    ApplySnapshotUseCase,
    ApplyTicksUseCase,
    FlushTicksUseCase,
    EvaluateNewsUseCase,
    AdoptPartitionsUseCase,
    ReplayNewsUseCase,
    DeadLetterUnstorableUseCase,
    // Ports and adapters.
    riskStoreProvider,
    EvaluationRepository,
    PortfolioStateRepository,
    EngineStateRepository,
    ReferenceRepository,
    { provide: Judge, useClass: ReasoningJudge },
    { provide: ReasoningContexts, useClass: ModelReasoningContexts },
    NewsReasoningService,
    NewsUnderstandingService,
    TreeScoringService,
    PortfolioScorer,
    CommittedOutcomes,
    DeadLetters,
    InputClock,
    OutboxRelay,
    // In-memory state.
    ...engineStateProviders,
    topicLayoutProvider,
    PartitionOwnership,
    PositionsWatermark,
    ReferenceGraph,
    FuzzyLinking,
    EngineLock,
    FlushLock,
    StopSignal,
  ],
  exports: [NewsReasoningService, NewsUnderstandingService],
})
export class RiskEngineModule {}
