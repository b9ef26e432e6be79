import { Injectable } from '@nestjs/common';
import { RiskStore, type EngineStateRecord } from '@risk/persistence';

/** An instance's price state and tick offsets, saved by each flush (restored at boot). */
@Injectable()
export class EngineStateRepository {
  constructor(private readonly store: RiskStore) {}

  load(instanceId: string): Promise<EngineStateRecord | null> {
    return this.store.loadEngineState(instanceId);
  }
}
