import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RiskStore } from '@risk/persistence';

/** The engine's SQL, shared by its repositories (one DataSource, one exactly-once boundary). */
export const riskStoreProvider: Provider = {
  provide: RiskStore,
  useFactory: (ds: DataSource) => new RiskStore(ds),
  inject: [DataSource],
};
