import { Inject, Injectable } from '@nestjs/common';
import type { DecodeClock } from '@risk/contracts';
import { APP_CONFIG, CLOCK, type AppConfig, type Clock } from '@risk/platform';

/**
 * The decoders' view of now: input dated more than `MAX_CLOCK_SKEW_MS` ahead is refused here as
 * ingest refuses it, so the engine never applies what ingest dead-letters.
 */
@Injectable()
export class InputClock {
  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  decodeClock(): DecodeClock {
    return { nowMs: this.clock.now().getTime(), maxClockSkewMs: this.cfg.maxClockSkewMs };
  }
}
