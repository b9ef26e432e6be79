import { InitialSchema1796002284451 } from './1796002284451-InitialSchema';
import { StreamAndWebhooks1796003296600 } from './1796003296600-StreamAndWebhooks';
import { Retention1796004800000 } from './1796004800000-Retention';
import { RetentionOutboxSnapshots1796005400000 } from './1796005400000-RetentionOutboxSnapshots';
import { SnapshotSourcePartition1796010000003 } from './1796010000003-SnapshotSourcePartition';
import { OutboxRelaySeq1796010000004 } from './1796010000004-OutboxRelaySeq';
import { EncryptWebhookSecrets1796010000005 } from './1796010000005-EncryptWebhookSecrets';
import { EngineSymbolState1796010000006 } from './1796010000006-EngineSymbolState';
import { DailyRisk1796010000007 } from './1796010000007-DailyRisk';
import { ReferenceData1796010000008 } from './1796010000008-ReferenceData';
import { StreamSafeXid1796010000015 } from './1796010000015-StreamSafeXid';
import { PartitionEvaluations1796010000030 } from './1796010000030-PartitionEvaluations';
import { Lz4Toast1796010000031 } from './1796010000031-Lz4Toast';
import { EvaluationJsonText1796010000032 } from './1796010000032-EvaluationJsonText';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  InitialSchema1796002284451,
  StreamAndWebhooks1796003296600,
  Retention1796004800000,
  RetentionOutboxSnapshots1796005400000,
  SnapshotSourcePartition1796010000003,
  OutboxRelaySeq1796010000004,
  EncryptWebhookSecrets1796010000005,
  EngineSymbolState1796010000006,
  DailyRisk1796010000007,
  ReferenceData1796010000008,
  StreamSafeXid1796010000015,
  PartitionEvaluations1796010000030,
  Lz4Toast1796010000031,
  EvaluationJsonText1796010000032,
];
