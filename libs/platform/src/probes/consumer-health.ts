import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';

/** What a consumer is doing, as readiness sees it. */
export type ConsumerState =
  /** Created or restarting: not yet in its group. */
  | 'joining'
  | 'running'
  /** Stopped without being disconnected: consumes nothing. */
  | 'stopped'
  /** Crashed; kafkajs restarts it. */
  | 'restarting'
  /** Crashed for good: kafkajs will not restart it. */
  | 'crashed'
  /** Disconnected on purpose: no longer counted. */
  | 'closed';

/** The next state of a consumer after one of its kafkajs events. */
export function nextConsumerState(
  event: 'GROUP_JOIN' | 'STOP' | 'DISCONNECT' | 'CRASH',
  restart = false,
): ConsumerState {
  switch (event) {
    case 'GROUP_JOIN':
      return 'running';
    case 'STOP':
      return 'stopped';
    // A crash disconnects first (STOP, DISCONNECT), then reports CRASH, which decides.
    case 'DISCONNECT':
      return 'closed';
    case 'CRASH':
      return restart ? 'restarting' : 'crashed';
  }
}

const HEALTHY: ReadonlySet<ConsumerState> = new Set(['running', 'closed']);

/**
 * The state of every Kafka consumer of the process, from their kafkajs events: a consumer that
 * is not in its group (crashed, stopped, still joining) makes the process not ready, and one
 * that crashed for good is fatal (`onFatal`: the entry point exits so a supervisor restarts it).
 */
export class ConsumerHealth {
  private readonly states = new Map<string, ConsumerState>();
  private readonly fatal: ((group: string, error: Error) => void)[] = [];
  private seq = 0;

  /** Follows `consumer` (of `group`) from now on. */
  watch(consumer: Pick<Consumer, 'on' | 'events'>, group: string): void {
    // Two consumers of one group in a process (tests, the relay's recovery) are two entries.
    const id = this.states.has(group) ? `${group}#${++this.seq}` : group;
    this.states.set(id, 'joining');
    const set = (s: ConsumerState) => this.states.set(id, s);
    const e = consumer.events;
    consumer.on(e.GROUP_JOIN, () => set(nextConsumerState('GROUP_JOIN')));
    consumer.on(e.STOP, () => set(nextConsumerState('STOP')));
    consumer.on(e.DISCONNECT, () => set(nextConsumerState('DISCONNECT')));
    consumer.on(e.CRASH, ({ payload }) => {
      const state = nextConsumerState('CRASH', payload.restart);
      set(state);
      if (state === 'crashed') for (const fn of this.fatal) fn(group, payload.error);
    });
  }

  /** Called once per consumer that crashed and will not restart. */
  onFatal(fn: (group: string, error: Error) => void): void {
    this.fatal.push(fn);
  }

  ready(): boolean {
    return [...this.states.values()].every((s) => HEALTHY.has(s));
  }

  /** State per consumer, closed ones left out. */
  all(): Record<string, ConsumerState> {
    return Object.fromEntries([...this.states].filter(([, s]) => s !== 'closed'));
  }
}

/**
 * Every consumer `kafka` makes from now on is followed by `health`: the apps create consumers
 * as before and readiness knows about each without a line of their own.
 */
export function watchConsumers(kafka: Kafka, health: ConsumerHealth): Kafka {
  const make = kafka.consumer.bind(kafka);
  kafka.consumer = (config: ConsumerConfig): Consumer => {
    const consumer = make(config);
    health.watch(consumer, config.groupId);
    return consumer;
  };
  return kafka;
}

export const CONSUMER_HEALTH = Symbol('CONSUMER_HEALTH');
