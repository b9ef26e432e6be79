import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { topicNames } from '@risk/contracts';
import { ServiceMetrics } from '@risk/platform';
import type { InputClock } from '../ports/input-clock';
import { ReferenceGraph } from '../state/reference-graph';
import { strictMock } from '../testing/strict-mock';
import { ReferenceHandler } from './reference.handler';

const topics = topicNames('t.');
const NOW = Date.parse('2026-12-01T10:00:00.000Z');

function msg(key: string, value: object | null, offset: number): KafkaMessage {
  return {
    key: Buffer.from(key),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
    offset: String(offset),
    timestamp: String(NOW),
    attributes: 0,
    headers: {},
  };
}

function batch(topic: string, messages: KafkaMessage[]): EachBatchPayload {
  return {
    batch: { topic, partition: 0, messages },
    heartbeat: () => Promise.resolve(),
  } as unknown as EachBatchPayload;
}

const equity = (symbol: string, issuer: string, name: string, ts = '2026-12-01T09:00:00.000Z') => ({
  id: `i-${symbol}`,
  ts,
  symbol,
  name,
  issuer,
  type: 'equity',
});

describe('ReferenceHandler', () => {
  const clock = strictMock<InputClock>('InputClock', {
    decodeClock: () => ({ nowMs: NOW, maxClockSkewMs: 300_000 }),
  });

  function setup() {
    const reference = new ReferenceGraph();
    const handler = new ReferenceHandler(topics, new ServiceMetrics(), clock, reference);
    return { reference, handler };
  }

  it('applies instruments and relations to the graph, skipping bad messages', async () => {
    const { reference, handler } = setup();
    await handler.handle(
      batch(topics.instruments, [
        msg('HRGT', equity('HRGT', 'HARROW', 'Harrowgate Devices Inc.'), 0),
        msg('KSTL', equity('KSTL', 'KESTREL', 'Kestrel Components plc'), 1),
        msg('BAD', { nonsense: true }, 2),
      ]),
    );
    await handler.handle(
      batch(topics.relations, [
        msg(
          'r1',
          {
            id: 'r1',
            ts: '2026-12-01T09:00:00.000Z',
            from: 'KESTREL',
            to: 'HARROW',
            kind: 'supplier_of',
            weight: 0.4,
          },
          0,
        ),
        msg(
          'r2',
          {
            id: 'r2',
            ts: '2026-12-01T09:00:00.000Z',
            from: 'KESTREL',
            to: 'KESTREL',
            kind: 'supplier_of',
            weight: 0.4,
          },
          1,
        ),
      ]),
    );
    expect(reference.graph.size).toEqual({ instruments: 2, relations: 1 });
    const reached = reference.graph.reach({ entities: ['KESTREL'] });
    expect(reached.find((r) => r.symbol === 'HRGT')).toMatchObject({
      weight: 0.4,
      path: [{ from: 'KESTREL', kind: 'supplier_of', to: 'HARROW', weight: 0.4 }],
    });
    expect(reference.linker.issuersIn('Fire at Kestrel Components plant')).toEqual(['KESTREL']);
  });

  it('keeps the newer version and removes on a tombstone, like the tables', async () => {
    const { reference, handler } = setup();
    await handler.handle(
      batch(topics.instruments, [
        msg('HRGT', equity('HRGT', 'HARROW', 'Harrowgate Devices', '2026-12-01T09:30:00.000Z'), 0),
        msg('HRGT', equity('HRGT', 'HARROW', 'Old Name', '2026-12-01T09:00:00.000Z'), 1),
      ]),
    );
    expect(reference.graph.instrument('HRGT')?.name).toBe('Harrowgate Devices');
    // The linker follows the instruments it was built from.
    expect(reference.linker.issuersIn('Harrowgate Devices shares fall')).toEqual(['HARROW']);
    await handler.handle(batch(topics.instruments, [msg('HRGT', null, 2)]));
    expect(reference.graph.instrument('HRGT')).toBeUndefined();
    expect(reference.linker.issuersIn('Harrowgate Devices shares fall')).toEqual([]);
  });
});
