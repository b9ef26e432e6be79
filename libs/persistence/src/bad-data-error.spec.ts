import { isBadDataError, sqlState } from './bad-data-error';

describe('isBadDataError', () => {
  it('takes SQLSTATE class 22 from node-postgres and from TypeORM wrappers', () => {
    expect(isBadDataError({ code: '22P05', message: 'unsupported Unicode escape sequence' })).toBe(
      true,
    );
    expect(isBadDataError({ message: 'x', driverError: { code: '22021' } })).toBe(true);
    expect(sqlState({ driverError: { code: '22003' } })).toBe('22003');
  });

  it('leaves errors that may pass on a retry to the retry', () => {
    expect(isBadDataError({ code: '40001' })).toBe(false); // serialization failure
    expect(isBadDataError({ code: '57P01' })).toBe(false); // admin shutdown
    expect(isBadDataError({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isBadDataError(new Error('boom'))).toBe(false);
    expect(isBadDataError(undefined)).toBe(false);
  });
});
