import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import {
  PlatformModule,
  ProbesModule,
  enableGracefulShutdown,
  type AppConfig,
} from '@risk/platform';
import { RiskEngineModule } from './risk-engine.module';

/**
 * Boots one risk-engine instance with `cfg`: the deployable process (main.ts, which listens on
 * PORT for /health, /ready and /metrics), and the benchmarks and tests that run engine instances
 * apart from ingest and the API (several per process, so they do not listen by default).
 */
export async function startRiskEngine(
  cfg: AppConfig,
  opts: { listen?: boolean } = {},
): Promise<INestApplication> {
  @Module({ imports: [PlatformModule.forRoot(cfg), ProbesModule, RiskEngineModule] })
  class RiskEngineAppModule {}
  const app = await NestFactory.create(RiskEngineAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  enableGracefulShutdown(app);
  if (opts.listen) await app.listen(cfg.port, cfg.host);
  else await app.init();
  return app;
}
