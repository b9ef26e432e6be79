import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { PlatformModule, type AppConfig } from '@risk/platform';
import { RiskEngineModule } from './risk-engine.module';

/**
 * Boots one risk-engine instance (no HTTP) with `cfg`: the deployable process (main.ts), and
 * the benchmarks and tests that run engine instances apart from ingest and the API.
 */
export async function startRiskEngine(cfg: AppConfig): Promise<INestApplicationContext> {
  @Module({ imports: [PlatformModule.forRoot(cfg), RiskEngineModule] })
  class RiskEngineAppModule {}
  const app = await NestFactory.createApplicationContext(RiskEngineAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  return app;
}
