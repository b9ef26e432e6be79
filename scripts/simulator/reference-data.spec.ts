import { decodeReference, type Instrument, type Relation } from '@risk/contracts';
import { KnowledgeGraph, describePath } from '@risk/knowledge-graph';
import { demoReferenceRecords } from './reference-data';

describe('demo reference data', () => {
  const records = demoReferenceRecords();
  const decoded = records.map((r) =>
    decodeReference(
      r.topic === 'reference.instruments' ? 'instrument' : 'relation',
      Buffer.from(r.key ?? ''),
      Buffer.from(JSON.stringify(r.value)),
    ),
  );

  it('is valid reference data, keyed as the contract says', () => {
    for (const [i, d] of decoded.entries())
      expect({ i, ok: d.ok, d }).toMatchObject({ i, ok: true });
  });

  it('carries a supplier story to the holders of its customer, of the ETF and of options', () => {
    const instruments: Instrument[] = [];
    const relations: Relation[] = [];
    for (const d of decoded) {
      if (!d.ok || d.value.op !== 'upsert') continue;
      if (d.value.kind === 'instrument') instruments.push(d.value.value);
      else relations.push(d.value.value);
    }
    const graph = KnowledgeGraph.build(instruments, relations);
    const reached = graph.reach({ symbols: ['NOVA'] });
    const acme = reached.find((r) => r.symbol === 'ACME')!;
    expect(acme.weight).toBeCloseTo(0.35, 10);
    expect(
      describePath(acme.path, (id) => graph.nameOf(id), { name: 'Acme', weightOfNav: 0.12 }),
    ).toBe('Nova Semiconductor supplies 35% of Acme Systems; you hold Acme at 12% of nav');
    expect(reached.map((r) => r.symbol)).toEqual(
      expect.arrayContaining(['NOVA-C100', 'TECHX', 'ACME-B28', 'ACME-P170', 'AUTO-C260', 'QBIT']),
    );
  });
});
