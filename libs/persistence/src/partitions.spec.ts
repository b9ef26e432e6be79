import {
  addMonths,
  monthStart,
  monthsToCreate,
  parsePartitionBound,
  partitionName,
  partitionsToDrop,
} from './partitions';

const t = (iso: string) => Date.parse(iso);

describe('month partitions', () => {
  it('name and bound UTC months, across a year end', () => {
    const m = monthStart(t('2026-12-31T23:59:59.999Z'));
    expect(new Date(m).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(new Date(addMonths(m, 1)).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(partitionName('evaluations', m)).toBe('evaluations_p202612');
    expect(partitionName('alerts', addMonths(m, 2))).toBe('alerts_p202702');
  });

  it('read the bounds PostgreSQL prints, open ends and the default', () => {
    expect(
      parsePartitionBound(
        'evaluations_history',
        "FOR VALUES FROM (MINVALUE) TO ('2027-01-01 00:00:00+00')",
      ),
    ).toEqual({
      name: 'evaluations_history',
      isDefault: false,
      from: -Infinity,
      to: t('2027-01-01T00:00:00Z'),
    });
    expect(
      parsePartitionBound(
        'x',
        "FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00')",
      ),
    ).toMatchObject({ from: t('2027-01-01T00:00:00Z'), to: t('2027-02-01T00:00:00Z') });
    expect(
      parsePartitionBound('x', "FOR VALUES FROM ('2027-01-01 02:00:00+02') TO (MAXVALUE)"),
    ).toMatchObject({
      from: t('2027-01-01T00:00:00Z'),
      to: Infinity,
    });
    expect(parsePartitionBound('d', 'DEFAULT')).toMatchObject({ isDefault: true });
    expect(() => parsePartitionBound('x', "FOR VALUES IN ('a')")).toThrow(/unreadable/);
  });

  it('create the current month and two ahead that no partition covers yet', () => {
    const history = {
      name: 'h',
      isDefault: false,
      from: -Infinity,
      to: t('2027-01-01T00:00:00Z'),
    };
    const def = { name: 'd', isDefault: true, from: -Infinity, to: Infinity };
    const now = t('2026-12-15T10:00:00Z');
    expect(monthsToCreate([history, def], now).map((m) => new Date(m).toISOString())).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2027-02-01T00:00:00.000Z',
    ]);
    // Only the default: every month from now on is missing.
    expect(monthsToCreate([def], now)).toHaveLength(3);
    const jan = {
      name: 'j',
      isDefault: false,
      from: t('2027-01-01T00:00:00Z'),
      to: t('2027-02-01T00:00:00Z'),
    };
    const feb = { ...jan, name: 'f', from: jan.to, to: t('2027-03-01T00:00:00Z') };
    expect(monthsToCreate([history, jan, feb, def], now)).toEqual([]);
  });

  it('drop only partitions wholly older than the cut-off, never the default', () => {
    const parts = [
      { name: 'h', isDefault: false, from: -Infinity, to: t('2026-01-01T00:00:00Z') },
      {
        name: 'jan',
        isDefault: false,
        from: t('2026-01-01T00:00:00Z'),
        to: t('2026-02-01T00:00:00Z'),
      },
      {
        name: 'feb',
        isDefault: false,
        from: t('2026-02-01T00:00:00Z'),
        to: t('2026-03-01T00:00:00Z'),
      },
      { name: 'd', isDefault: true, from: -Infinity, to: Infinity },
    ];
    expect(partitionsToDrop(parts, t('2026-02-01T00:00:00Z'))).toEqual(['h', 'jan']);
    expect(partitionsToDrop(parts, t('2026-01-31T23:59:59Z'))).toEqual(['h']);
    expect(partitionsToDrop(parts, t('2030-01-01T00:00:00Z'))).toEqual(['h', 'jan', 'feb']);
  });
});
