import { AlertEntity } from './alert.entity';
import { ApiKeyEntity } from './api-key.entity';
import { DailyRiskEntity } from './daily-risk.entity';
import { EngineStateEntity } from './engine-state.entity';
import { EngineSymbolStateEntity } from './engine-symbol-state.entity';
import { EvaluationEntity } from './evaluation.entity';
import { InstrumentEntity } from './instrument.entity';
import { OutboxMessageEntity } from './outbox-message.entity';
import { PortfolioSnapshotEntity } from './portfolio-snapshot.entity';
import { PortfolioEntity } from './portfolio.entity';
import { ProcessedEventEntity } from './processed-event.entity';
import { RelationEntity } from './relation.entity';
import { StreamCursorEntity } from './stream-cursor.entity';
import { StreamEventEntity } from './stream-event.entity';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export {
  AlertEntity,
  EngineStateEntity,
  EngineSymbolStateEntity,
  EvaluationEntity,
  OutboxMessageEntity,
  PortfolioSnapshotEntity,
  PortfolioEntity,
  ProcessedEventEntity,
  ApiKeyEntity,
  StreamEventEntity,
  StreamCursorEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  InstrumentEntity,
  RelationEntity,
  DailyRiskEntity,
};

export const ENTITIES = [
  PortfolioEntity,
  PortfolioSnapshotEntity,
  ProcessedEventEntity,
  EvaluationEntity,
  AlertEntity,
  OutboxMessageEntity,
  EngineStateEntity,
  EngineSymbolStateEntity,
  ApiKeyEntity,
  StreamEventEntity,
  StreamCursorEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  InstrumentEntity,
  RelationEntity,
  DailyRiskEntity,
];
