import { ArgumentsHost, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { newWebhookSecret } from '@risk/alerting';
import { errorLogEntry, redactErrorMessage } from './error-log';
import { JsonExceptionFilter } from './http-exception.filter';

describe('error logs', () => {
  it('blank quoted values, key values and anything shaped like a secret', () => {
    const secret = newWebhookSecret();
    expect(redactErrorMessage(`invalid input syntax for type uuid: "${secret}"`)).toBe(
      'invalid input syntax for type uuid: "…"',
    );
    expect(redactErrorMessage(`Key (secret)=(${secret}) already exists`)).toBe(
      'Key (…)=(…) already exists',
    );
    expect(redactErrorMessage(`bad token ${secret} here`)).toBe('bad token [redacted] here');
    expect(redactErrorMessage(`rsk_${'a'.repeat(43)}`)).toBe('[redacted]');
    expect(redactErrorMessage('word '.repeat(80))).toHaveLength(301);
    expect(redactErrorMessage('connection terminated unexpectedly')).toBe(
      'connection terminated unexpectedly',
    );
  });

  it('keep the class, the driver code and the frames, never the parameters', () => {
    const secret = newWebhookSecret();
    const err = new QueryFailedError(
      'INSERT INTO webhook_subscriptions (id, secret) VALUES ($1, $2)',
      ['id-1', secret],
      Object.assign(new Error(`value too long: '${secret}'`), { code: '22001', detail: secret }),
    );
    const entry = errorLogEntry(err, 'e-1');
    expect(entry).toMatchObject({ errorId: 'e-1', errorName: 'QueryFailedError', code: '22001' });
    expect(entry.frames.length).toBeGreaterThan(0);
    expect(JSON.stringify(entry)).not.toContain(secret.slice(6));
  });

  it('the filter logs that entry and answers 500 with the same error id', () => {
    const secret = newWebhookSecret();
    const logged: unknown[] = [];
    const spy = jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation((...args: unknown[]) => void logged.push(args));
    let body: { errorId?: string } = {};
    const host = {
      switchToHttp: () => ({
        getResponse: () => ({
          status: () => ({ json: (b: { errorId?: string }) => void (body = b) }),
        }),
      }),
    } as unknown as ArgumentsHost;
    try {
      new JsonExceptionFilter().catch(
        new QueryFailedError('INSERT …', [secret], new Error('duplicate key')),
        host,
      );
    } finally {
      spy.mockRestore();
    }
    const text = JSON.stringify(logged);
    expect(text).not.toContain(secret.slice(6));
    expect(text).toContain(body.errorId);
  });
});
