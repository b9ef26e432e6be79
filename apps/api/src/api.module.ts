import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { RiskReadController } from './risk-read.controller';

@Module({ imports: [TerminusModule], controllers: [RiskReadController, HealthController] })
export class ApiModule {}
