import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type AppConfig } from '@risk/platform';
// The all-in-one process composes the three apps' modules; apps import each other nowhere else.
// eslint-disable-next-line no-restricted-imports
import { ApiModule } from '../../api/src/api.module';
// eslint-disable-next-line no-restricted-imports
import { IngestModule } from '../../ingest/src/ingest.module';
// eslint-disable-next-line no-restricted-imports
import { RiskEngineModule } from '../../risk-engine/src/risk-engine.module';

@Module({})
export class AllModule {
  static forRoot(cfg: AppConfig): DynamicModule {
    return {
      module: AllModule,
      imports: [PlatformModule.forRoot(cfg), IngestModule, RiskEngineModule, ApiModule],
    };
  }
}
