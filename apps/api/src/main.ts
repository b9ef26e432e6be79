import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import {
  PlatformModule,
  enableGracefulShutdown,
  exitOnConsumerFailure,
  loadConfig,
} from '@risk/platform';
import { ApiModule } from './api.module';
import { configureHttp } from './configure-http';

async function bootstrap(): Promise<void> {
  const cfg = loadConfig();
  @Module({ imports: [PlatformModule.forRoot(cfg), ApiModule] })
  class ApiAppModule {}
  const app = await NestFactory.create(ApiAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  enableGracefulShutdown(app);
  configureHttp(app);
  await app.listen(cfg.port, cfg.host);
  exitOnConsumerFailure(app);
}
void bootstrap();
