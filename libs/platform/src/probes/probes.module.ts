import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProbesController } from './probes.controller';

/** /health, /ready, /metrics for any process; needs PlatformModule. */
@Module({ imports: [TerminusModule], controllers: [ProbesController] })
export class ProbesModule {}
