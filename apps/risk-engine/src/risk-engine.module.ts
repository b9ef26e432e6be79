import { Module } from '@nestjs/common';
import { OutboxRelayService } from './outbox-relay.service';
import { RiskEngineService } from './risk-engine.service';

@Module({ providers: [OutboxRelayService, RiskEngineService] })
export class RiskEngineModule {}
