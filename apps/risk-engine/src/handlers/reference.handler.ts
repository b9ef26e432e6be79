import { Inject, Injectable } from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import { decodeReference, type ReferenceChange, type TopicNames } from '@risk/contracts';
import { METRICS, TOPICS, type ServiceMetrics } from '@risk/platform';
import { InputClock } from '../ports/input-clock';
import { ReferenceGraph } from '../state/reference-graph';

/**
 * Reference data: decode a batch of either compacted topic and apply it to the in-memory graph.
 * A bad message is skipped (ingest dead-letters it). No offset is committed: every instance
 * reads both topics in full at each start, after loading the tables, so nothing ingest has not
 * yet stored is lost across a restart.
 */
@Injectable()
export class ReferenceHandler {
  constructor(
    @Inject(TOPICS) private readonly topics: TopicNames,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly clock: InputClock,
    private readonly reference: ReferenceGraph,
  ) {}

  async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const kind = batch.topic === this.topics.relations ? 'relation' : 'instrument';
    const c = this.clock.decodeClock();
    const changes: ReferenceChange[] = [];
    let invalid = 0;
    for (const m of batch.messages) {
      const r = decodeReference(kind, m.key, m.value, {
        now: new Date(c.nowMs),
        maxSkewMs: c.maxClockSkewMs,
      });
      if (r.ok) changes.push(r.value);
      else invalid++;
    }
    this.reference.apply(changes);
    if (changes.length > 0)
      this.metrics.messages.inc({ kind: 'reference', outcome: 'applied' }, changes.length);
    if (invalid > 0) this.metrics.messages.inc({ kind: 'reference', outcome: 'invalid' }, invalid);
    await payload.heartbeat();
  }
}
