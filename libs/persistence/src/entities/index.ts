import { AlertEntity } from './alert.entity';
import { EngineStateEntity } from './engine-state.entity';
import { EvaluationEntity } from './evaluation.entity';
import { OutboxMessageEntity } from './outbox-message.entity';
import { PortfolioSnapshotEntity } from './portfolio-snapshot.entity';
import { PortfolioEntity } from './portfolio.entity';
import { ProcessedEventEntity } from './processed-event.entity';

export {
  AlertEntity,
  EngineStateEntity,
  EvaluationEntity,
  OutboxMessageEntity,
  PortfolioSnapshotEntity,
  PortfolioEntity,
  ProcessedEventEntity,
};

export const ENTITIES = [
  PortfolioEntity,
  PortfolioSnapshotEntity,
  ProcessedEventEntity,
  EvaluationEntity,
  AlertEntity,
  OutboxMessageEntity,
  EngineStateEntity,
];
