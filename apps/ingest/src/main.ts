import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import {
  PlatformModule,
  ProbesModule,
  enableGracefulShutdown,
  exitOnConsumerFailure,
  loadConfig,
} from '@risk/platform';
import { IngestModule } from './ingest.module';

async function bootstrap(): Promise<void> {
  const cfg = loadConfig();
  @Module({ imports: [PlatformModule.forRoot(cfg), ProbesModule, IngestModule] })
  class IngestAppModule {}
  // HTTP only for /health, /ready and /metrics.
  const app = await NestFactory.create(IngestAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  enableGracefulShutdown(app);
  await app.listen(cfg.port, cfg.host);
  exitOnConsumerFailure(app);
}
void bootstrap();
