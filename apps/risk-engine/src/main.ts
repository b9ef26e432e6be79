import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { PlatformModule, loadConfig } from '@risk/platform';
import { RiskEngineModule } from './risk-engine.module';

async function bootstrap(): Promise<void> {
  @Module({ imports: [PlatformModule.forRoot(loadConfig()), RiskEngineModule] })
  class RiskEngineAppModule {}
  const app = await NestFactory.createApplicationContext(RiskEngineAppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
}
void bootstrap();
