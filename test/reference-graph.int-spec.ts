import type { DataSource } from 'typeorm';
import type { ReferenceChange } from '@risk/contracts';
import { ReferenceStore, openDatabase } from '@risk/persistence';
import { ReferenceRepository } from '../apps/risk-engine/src/repositories/reference.repository';
import { ReferenceGraph } from '../apps/risk-engine/src/state/reference-graph';
import {
  REFERENCE_TS,
  instrumentMessage,
  relationMessage,
  upsert,
} from './support/reference-messages';
import { useTestEnvironment } from './support/running-service';

const LATER = '2026-11-30T09:00:00.000Z';

const instrument = (symbol: string, issuer: string, name: string, ts = REFERENCE_TS) =>
  upsert(
    instrumentMessage(symbol, issuer, {
      id: `i-${symbol}-${ts}`,
      ts,
      name,
      aliases: ['Alias ' + symbol],
    }),
  );
const relation = (id: string, from: string, to: string, weight: number, ts = REFERENCE_TS) =>
  upsert(relationMessage(id, from, to, 'supplier_of', weight, ts));

/**
 * An engine starting after ingest stored reference data builds the same graph from the tables
 * as from the topics, and a replay of the topics over it changes nothing.
 */
describe('the engine graph loaded from the reference tables', () => {
  const url = useTestEnvironment('reference-graph', { kafka: false }).config().databaseUrl;
  let ds: DataSource;

  beforeAll(async () => {
    ds = await openDatabase(url);
  });
  afterAll(async () => ds?.destroy());

  it('loads what ingest stored, versions included', async () => {
    const topic: ReferenceChange[] = [
      instrument('KSTL', 'KESTREL', 'Kestrel Components plc'),
      instrument('HRGT', 'HARROW', 'Old Harrowgate'),
      instrument('HRGT', 'HARROW', 'Harrowgate Devices Inc.', LATER),
      relation('r1', 'KESTREL', 'HARROW', 0.4),
      relation('r2', 'KESTREL', 'OTHER', 0.3),
      relation('r2', 'KESTREL', 'OTHER', 0, LATER),
    ];
    await new ReferenceStore(ds).apply(topic);

    const loaded = new ReferenceGraph();
    loaded.apply(await new ReferenceRepository(ds).loadAll());
    const fromTopic = new ReferenceGraph();
    fromTopic.apply(topic);

    expect(loaded.graph.instrument('HRGT')).toEqual(fromTopic.graph.instrument('HRGT'));
    expect(loaded.graph.instrument('HRGT')?.name).toBe('Harrowgate Devices Inc.');
    expect(loaded.graph.size).toEqual({ instruments: 2, relations: 1 });
    expect(loaded.graph.reach({ entities: ['KESTREL'] })).toEqual(
      fromTopic.graph.reach({ entities: ['KESTREL'] }),
    );
    // The topic read in full after the load: the older versions in it change nothing.
    expect(loaded.apply([topic[1], topic[4]])).toBe(0);
    expect(loaded.graph.size).toEqual({ instruments: 2, relations: 1 });
    expect(loaded.linker.issuersIn('Fire at Kestrel Components')).toEqual(['KESTREL']);
  });
});
