import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter } from '@risk/contracts';
import type { DeadLetters } from '../ports/dead-letters';
import { TOPICS, metrics } from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { DeadLetterUnstorableUseCase } from './dead-letter-unstorable.use-case';

const NOW = new Date('2026-11-30T10:00:00.000Z');

const message = {
  key: Buffer.from('n-1'),
  value: Buffer.from('{"id":"n-1"}'),
  offset: '41',
} as KafkaMessage;
const at = { kind: 'news' as const, topic: TOPICS.news, partition: 2, message };

/** What node-postgres throws for text jsonb cannot hold (SQLSTATE class 22: bad data). */
const refused = () =>
  Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });

function setup() {
  const send = jest.fn(async (_letters: { key: string; value: string }[]) => undefined);
  const m = metrics();
  const useCase = new DeadLetterUnstorableUseCase(
    m,
    { now: () => NOW },
    strictMock<DeadLetters>('deadLetters', { send }),
  );
  return { send, m, useCase };
}

describe('DeadLetterUnstorableUseCase', () => {
  it('passes the work through when it succeeds, sending nothing', async () => {
    const { send, useCase } = setup();
    await expect(useCase.execute(async () => false, at)).resolves.toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  it('dead-letters a message PostgreSQL refuses as data (UNSTORABLE), and counts it', async () => {
    const { send, m, useCase } = setup();
    await expect(
      useCase.execute(async () => {
        throw refused();
      }, at),
    ).resolves.toBeUndefined();

    expect(send).toHaveBeenCalledTimes(1);
    const [[letter]] = send.mock.calls[0];
    expect(letter.key).toBe(`${TOPICS.news}:2`);
    expect(JSON.parse(letter.value) as DeadLetter).toEqual({
      topic: TOPICS.news,
      partition: 2,
      offset: '41',
      key: 'n-1',
      value: '{"id":"n-1"}',
      error:
        "PostgreSQL refused the message's data (SQLSTATE 22P05): unsupported Unicode escape sequence",
      errorCode: 'UNSTORABLE',
      ts: NOW.toISOString(),
    });
    const dead = await m.deadLetters.get();
    expect(dead.values).toContainEqual(
      expect.objectContaining({ labels: { kind: 'news', code: 'UNSTORABLE' }, value: 1 }),
    );
    const counted = await m.messages.get();
    expect(counted.values).toContainEqual(
      expect.objectContaining({ labels: { kind: 'news', outcome: 'dead_letter' }, value: 1 }),
    );
  });

  it('throws any other error, for a redelivery', async () => {
    const { send, useCase } = setup();
    const lost = Object.assign(new Error('terminating connection'), { code: '57P01' });
    await expect(
      useCase.execute(async () => {
        throw lost;
      }, at),
    ).rejects.toBe(lost);
    expect(send).not.toHaveBeenCalled();
  });

  it('throws when the dead letter cannot be sent, so the message is not lost', async () => {
    const { send, useCase } = setup();
    send.mockRejectedValueOnce(new Error('broker down'));
    await expect(
      useCase.execute(async () => {
        throw refused();
      }, at),
    ).rejects.toThrow('broker down');
  });
});
