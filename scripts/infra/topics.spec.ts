import {
  DEFAULT_PARTITIONS,
  isLocalDefaultBroker,
  parseBrokers,
  parsePartitions,
  projectReferenceTopics,
  projectTopics,
} from './topics';

describe('parseBrokers', () => {
  it('defaults to the local broker', () => {
    expect(parseBrokers(undefined)).toEqual(['127.0.0.1:9092']);
    expect(parseBrokers(' , ')).toEqual(['127.0.0.1:9092']);
  });

  it('splits and trims a comma-separated list', () => {
    expect(parseBrokers('a:9092, b:9092 ,')).toEqual(['a:9092', 'b:9092']);
  });
});

describe('isLocalDefaultBroker', () => {
  it('is true only for the single loopback default', () => {
    expect(isLocalDefaultBroker(['127.0.0.1:9092'])).toBe(true);
    expect(isLocalDefaultBroker(['localhost:9092'])).toBe(true);
    expect(isLocalDefaultBroker(['kafka:9092'])).toBe(false);
    expect(isLocalDefaultBroker(['127.0.0.1:9092', '127.0.0.1:9094'])).toBe(false);
  });
});

describe('parsePartitions', () => {
  it('defaults when unset or blank', () => {
    expect(parsePartitions(undefined)).toBe(DEFAULT_PARTITIONS);
    expect(parsePartitions('')).toBe(DEFAULT_PARTITIONS);
  });

  it('accepts a positive integer', () => {
    expect(parsePartitions('6')).toBe(6);
  });

  it.each(['0', '-1', '2.5', 'three', '1001'])('rejects %s', (value) => {
    expect(() => parsePartitions(value)).toThrow(/KAFKA_PARTITIONS/);
  });
});

describe('projectTopics', () => {
  it('lists the contract topics, prefixed when asked', () => {
    expect(projectTopics('x.')[0]).toBe('x.market.ticks');
    expect(projectTopics('')).toEqual([
      'market.ticks',
      'news.events',
      'portfolio.positions',
      'risk.evaluations',
      'risk.alerts',
      'risk.dlq',
    ]);
  });
});

describe('projectReferenceTopics', () => {
  it('lists the compacted reference topics, prefixed when asked', () => {
    expect(projectReferenceTopics('')).toEqual(['reference.instruments', 'reference.relations']);
    expect(projectReferenceTopics('x.')).toEqual([
      'x.reference.instruments',
      'x.reference.relations',
    ]);
  });
});
