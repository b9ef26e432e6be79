import { Injectable } from '@nestjs/common';
import { RiskStore, type StoredPortfolioState } from '@risk/persistence';

/** Portfolios as of their last commit: what an instance restores when it adopts them. */
@Injectable()
export class PortfolioStateRepository {
  constructor(private readonly store: RiskStore) {}

  loadAll(): Promise<StoredPortfolioState[]> {
    return this.store.loadPortfolioStates();
  }
}
