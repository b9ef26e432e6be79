import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka';

describe('kafkaLogLevel', () => {
  it('logs a retriable broker error (a coordinator still loading) at debug, not error', () => {
    const loading = "The coordinator is loading and hence can't process requests for this group";
    expect(kafkaLogLevel(logLevel.ERROR, { message: 'Response JoinGroup', error: loading })).toBe(
      'debug',
    );
    expect(
      kafkaLogLevel(logLevel.ERROR, {
        message: 'Response FindCoordinator',
        error: 'The group coordinator is not available',
      }),
    ).toBe('debug');
  });

  it('keeps other errors at error, a consumer restart at warn, and drops info', () => {
    expect(kafkaLogLevel(logLevel.ERROR, { message: 'Crash: x', error: 'boom' })).toBe('error');
    expect(kafkaLogLevel(logLevel.ERROR, { message: 'Restarting the consumer in 300ms' })).toBe(
      'warn',
    );
    expect(kafkaLogLevel(logLevel.WARN, { message: 'w' })).toBe('warn');
    expect(kafkaLogLevel(logLevel.INFO, { message: 'i' })).toBeNull();
  });
});
