import { EventEmitter } from 'node:events';
import type { INestApplicationContext } from '@nestjs/common';
import { ConsumerHealth } from './consumer-health';
import { exitOnConsumerFailure } from './exit-on-consumer-failure';

describe('exitOnConsumerFailure', () => {
  it('closes the app once and exits 1 when a consumer will not restart', async () => {
    const health = new ConsumerHealth();
    const em = new EventEmitter();
    const events = { GROUP_JOIN: 'j', STOP: 's', DISCONNECT: 'd', CRASH: 'c' };
    health.watch({ events, on: (e: string, fn: () => void) => em.on(e, fn) } as never, 'g');
    const close = jest.fn(() => Promise.resolve());
    const app = { get: () => health, close } as unknown as INestApplicationContext;
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      exitOnConsumerFailure(app);
      // A crash kafkajs restarts is not fatal.
      em.emit('c', { payload: { error: new Error('blip'), restart: true } });
      expect(close).not.toHaveBeenCalled();
      em.emit('c', { payload: { error: new Error('gone'), restart: false } });
      em.emit('c', { payload: { error: new Error('gone again'), restart: false } });
      await new Promise((r) => setImmediate(r));
      expect(close).toHaveBeenCalledTimes(1);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      exit.mockRestore();
    }
  });
});
