import {
  FINAL_DELIVERY_STATUSES,
  comparePositions,
  isFinalDeliveryStatus,
  isValidProcessedEventsDays,
  keepsEverything,
  ledgerOutlivesTopics,
  redeliveryBoundMs,
  retentionCutoff,
  retentionPolicyFrom,
} from './retention';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('retentionCutoff', () => {
  const now = new Date('2026-11-30T12:00:00.000Z');

  it('is now minus the window', () => {
    expect(retentionCutoff(now, 72 * HOUR)?.toISOString()).toBe('2026-11-27T12:00:00.000Z');
    expect(retentionCutoff(now, 14 * DAY)?.toISOString()).toBe('2026-11-16T12:00:00.000Z');
  });

  it('is null for 0: the table is kept forever', () => {
    expect(retentionCutoff(now, 0)).toBeNull();
  });

  it('refuses a negative or non-finite window', () => {
    expect(() => retentionCutoff(now, -1)).toThrow(RangeError);
    expect(() => retentionCutoff(now, Number.NaN)).toThrow(RangeError);
  });
});

describe('retentionPolicyFrom', () => {
  it('turns the settings into milliseconds, 0 staying 0', () => {
    expect(
      retentionPolicyFrom({
        streamEventsHours: 72,
        webhookDays: 30,
        processedEventsDays: 0,
        outboxHours: 24,
        snapshotDays: 30,
        batchSize: 5000,
      }),
    ).toEqual({
      streamEventsMs: 72 * HOUR,
      webhookMs: 30 * DAY,
      processedEventsMs: 0,
      outboxMs: 24 * HOUR,
      snapshotsMs: 30 * DAY,
      evaluationsMs: 0,
      batchSize: 5000,
    });
  });
});

describe('keepsEverything', () => {
  const off = retentionPolicyFrom({
    streamEventsHours: 0,
    webhookDays: 0,
    processedEventsDays: 0,
    outboxHours: 0,
    snapshotDays: 0,
    batchSize: 5000,
  });

  it('is true only when every window is 0', () => {
    expect(keepsEverything(off)).toBe(true);
  });

  it('is false as soon as one table is pruned, the outbox and snapshots included', () => {
    for (const key of [
      'streamEventsMs',
      'webhookMs',
      'processedEventsMs',
      'outboxMs',
      'snapshotsMs',
      'evaluationsMs',
    ] as const)
      expect(keepsEverything({ ...off, [key]: HOUR })).toBe(false);
  });
});

describe('final webhook delivery states', () => {
  it('are delivered, failed and cancelled', () => {
    expect([...FINAL_DELIVERY_STATUSES].sort()).toEqual(['cancelled', 'delivered', 'failed']);
    for (const s of ['delivered', 'failed', 'cancelled'])
      expect(isFinalDeliveryStatus(s)).toBe(true);
  });

  it('never include pending (waiting or in flight) or anything unknown', () => {
    expect(isFinalDeliveryStatus('pending')).toBe(false);
    expect(isFinalDeliveryStatus('')).toBe(false);
    expect(isFinalDeliveryStatus('DELIVERED')).toBe(false);
  });
});

describe('processed-events window', () => {
  it('is 0 (forever) or at least one day', () => {
    expect(isValidProcessedEventsDays(0)).toBe(true);
    expect(isValidProcessedEventsDays(1)).toBe(true);
    expect(isValidProcessedEventsDays(14)).toBe(true);
    expect(isValidProcessedEventsDays(1.5)).toBe(true);
    expect(isValidProcessedEventsDays(0.5)).toBe(false);
    expect(isValidProcessedEventsDays(0.999)).toBe(false);
    expect(isValidProcessedEventsDays(-1)).toBe(false);
    expect(isValidProcessedEventsDays(Number.NaN)).toBe(false);
  });

  it('is bounded by retention.ms + segment.ms of the longest-kept topic', () => {
    expect(
      redeliveryBoundMs([
        { topic: 'news.events', retentionMs: 7 * DAY, segmentMs: 7 * DAY },
        { topic: 'portfolio.positions', retentionMs: 1 * DAY, segmentMs: 7 * DAY },
      ]),
    ).toBe(14 * DAY);
    expect(redeliveryBoundMs([])).toBe(0);
    expect(redeliveryBoundMs([{ topic: 'news.events', retentionMs: -1, segmentMs: 7 * DAY }])).toBe(
      Infinity,
    );
  });

  it('is safe only when the ledger outlives every readable copy of a message', () => {
    const kafkaDefaults = [{ topic: 'news.events', retentionMs: 7 * DAY, segmentMs: 7 * DAY }];
    expect(ledgerOutlivesTopics(14 * DAY, kafkaDefaults)).toEqual({
      safe: true,
      boundMs: 14 * DAY,
    });
    expect(ledgerOutlivesTopics(10 * DAY, kafkaDefaults).safe).toBe(false);
    const forever = [{ topic: 'news.events', retentionMs: -1, segmentMs: DAY }];
    expect(ledgerOutlivesTopics(3650 * DAY, forever).safe).toBe(false);
    // 0 keeps the ledger forever: always safe.
    expect(ledgerOutlivesTopics(0, forever).safe).toBe(true);
  });
});

describe('comparePositions', () => {
  it('orders by transaction id, then sequence, as numbers', () => {
    expect(comparePositions({ txId: '9', seq: '100' }, { txId: '10', seq: '1' })).toBe(-1);
    expect(comparePositions({ txId: '10', seq: '2' }, { txId: '10', seq: '10' })).toBe(-1);
    expect(comparePositions({ txId: '10', seq: '10' }, { txId: '10', seq: '10' })).toBe(0);
    expect(comparePositions({ txId: '11', seq: '1' }, { txId: '10', seq: '99' })).toBe(1);
    expect(comparePositions({ txId: '-1', seq: '0' }, { txId: '0', seq: '1' })).toBe(-1);
    expect(
      comparePositions(
        { txId: '9223372036854775806', seq: '1' },
        { txId: '9223372036854775807', seq: '1' },
      ),
    ).toBe(-1);
  });
});
