import { Injectable, Logger } from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import { decodeTickFast } from '@risk/contracts';
import { offsetList } from '@risk/engine';
import { EngineConsumers } from '../kafka/engine-consumers';
import { InputClock } from '../ports/input-clock';
import { FlushLock } from '../state/engine-lock';
import { StopSignal } from '../state/stop-signal';
import { ApplyTicksUseCase, type TickBatch } from '../use-cases/apply-ticks.use-case';
import { FlushTicksUseCase } from '../use-cases/flush-ticks.use-case';

/**
 * Ticks: decode a batch and apply it in memory; a flush (on a timer, a large move or a caught-up
 * backlog) saves the state and only then commits the offsets it covers. Flushes run one at a
 * time, so those offsets commit in order.
 */
@Injectable()
export class TicksHandler {
  private readonly log = new Logger(TicksHandler.name);
  private flushRequested = false;

  constructor(
    private readonly consumers: EngineConsumers,
    private readonly clock: InputClock,
    private readonly flushes: FlushLock,
    private readonly stop: StopSignal,
    private readonly applyTicks: ApplyTicksUseCase,
    private readonly flushTicks: FlushTicksUseCase,
  ) {}

  async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const decoded: TickBatch = {
      topic: batch.topic,
      partition: batch.partition,
      ticks: [],
      messages: batch.messages.length,
      invalid: 0,
      lastOffset: batch.messages[batch.messages.length - 1]?.offset,
      lag: Number(batch.offsetLag()),
    };
    const clock = this.clock.decodeClock();
    for (const m of batch.messages) {
      const r = decodeTickFast(m.key, m.value, clock);
      if (r.ok) decoded.ticks.push(r.value);
      else decoded.invalid++;
    }
    const flushNow = this.applyTicks.execute(decoded);
    if (decoded.lastOffset !== undefined) payload.resolveOffset(decoded.lastOffset);
    if (flushNow) this.requestFlush();
    await payload.heartbeat();
  }

  /** Starts a flush unless one is already waiting to start (or the engine is stopping). */
  requestFlush(): void {
    if (this.flushRequested || this.stop.stopping) return;
    this.flushRequested = true;
    void this.flushes
      .run(async () => {
        this.flushRequested = false;
        await this.flushAndCommit();
      })
      .catch((e: unknown) => this.log.error({ err: e }, 'flush failed; will retry'));
  }

  /** A flush now, after any running one (at shutdown: what ticks left dirty). */
  flushNow(): Promise<void> {
    return this.flushes.run(() => this.flushAndCommit());
  }

  private async flushAndCommit(): Promise<void> {
    const offsets = await this.flushTicks.execute();
    if (!offsets) return;
    const list = offsetList(offsets);
    if (list.length > 0)
      await this.consumers.ticks
        .commitOffsets(list)
        .catch((e: unknown) => this.log.warn({ err: e }, 'tick offset commit failed'));
  }
}
