import { Module } from '@nestjs/common';
import { NewsReasoningService } from './news-reasoning.service';
import { OutboxRelayService } from './outbox-relay.service';
import { TreeScoringService } from './tree-scoring.service';
import { RiskEngineService } from './risk-engine.service';

@Module({
  providers: [OutboxRelayService, NewsReasoningService, TreeScoringService, RiskEngineService],
  exports: [NewsReasoningService],
})
export class RiskEngineModule {}
