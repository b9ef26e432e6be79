import { EventEmitter } from 'node:events';
import { ConsumerHealth } from './consumer-health';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  STOP: 'consumer.stop',
  DISCONNECT: 'consumer.disconnect',
  CRASH: 'consumer.crash',
};

/** The event surface of a kafkajs consumer (pure bookkeeping: no broker involved). */
function fakeConsumer() {
  const em = new EventEmitter();
  return {
    events: EVENTS,
    on: (event: string, fn: (e: unknown) => void) => em.on(event, fn),
    emit: (event: string, payload: object = {}) => em.emit(event, { payload }),
  };
}

describe('ConsumerHealth', () => {
  it('is ready once every consumer joined its group', () => {
    const h = new ConsumerHealth();
    const a = fakeConsumer();
    const b = fakeConsumer();
    h.watch(a as never, 'a');
    h.watch(b as never, 'b');
    a.emit(EVENTS.GROUP_JOIN);
    expect(h.ready()).toBe(false);
    b.emit(EVENTS.GROUP_JOIN);
    expect(h.ready()).toBe(true);
  });

  it('is not ready while a crashed consumer restarts, and ready when it rejoins', () => {
    const h = new ConsumerHealth();
    const c = fakeConsumer();
    h.watch(c as never, 'g');
    c.emit(EVENTS.GROUP_JOIN);
    // kafkajs disconnects a crashed consumer first, then reports the crash.
    c.emit(EVENTS.STOP);
    c.emit(EVENTS.DISCONNECT);
    c.emit(EVENTS.CRASH, { error: new Error('x'), restart: true });
    expect(h.ready()).toBe(false);
    expect(h.all()).toEqual({ g: 'restarting' });
    c.emit(EVENTS.GROUP_JOIN);
    expect(h.ready()).toBe(true);
  });

  it('reports a crash that will not restart as fatal, once', () => {
    const h = new ConsumerHealth();
    const c = fakeConsumer();
    const fatal = jest.fn();
    h.onFatal(fatal);
    h.watch(c as never, 'g');
    c.emit(EVENTS.GROUP_JOIN);
    c.emit(EVENTS.DISCONNECT);
    c.emit(EVENTS.CRASH, { error: new Error('gone'), restart: false });
    expect(h.ready()).toBe(false);
    expect(fatal).toHaveBeenCalledTimes(1);
    expect(fatal).toHaveBeenCalledWith('g', expect.objectContaining({ message: 'gone' }));
  });

  it('counts a stopped consumer as not ready and a disconnected one no more', () => {
    const h = new ConsumerHealth();
    const c = fakeConsumer();
    h.watch(c as never, 'g');
    c.emit(EVENTS.GROUP_JOIN);
    c.emit(EVENTS.STOP);
    expect(h.ready()).toBe(false);
    c.emit(EVENTS.DISCONNECT);
    expect(h.ready()).toBe(true);
    expect(h.all()).toEqual({});
  });
});
