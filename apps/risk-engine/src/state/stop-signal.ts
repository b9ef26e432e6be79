import { Injectable } from '@nestjs/common';

/** Set once at shutdown: waits give up and no new flush starts. */
@Injectable()
export class StopSignal {
  private resolve: () => void = () => {};
  private set = false;
  readonly stopped = new Promise<void>((r) => (this.resolve = r));

  get stopping(): boolean {
    return this.set;
  }

  stop(): void {
    this.set = true;
    this.resolve();
  }
}
