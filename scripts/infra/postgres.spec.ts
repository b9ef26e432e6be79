import { databaseUrlFromEnv, DEFAULT_DATABASE_URL, isLocalDatabase } from './postgres';

describe('databaseUrlFromEnv', () => {
  it('defaults to the local risk database', () => {
    expect(databaseUrlFromEnv({})).toBe(DEFAULT_DATABASE_URL);
    expect(databaseUrlFromEnv({ DATABASE_URL: ' ' })).toBe(DEFAULT_DATABASE_URL);
  });
});

describe('isLocalDatabase', () => {
  it.each([
    'postgres://postgres@127.0.0.1:5432/risk',
    'postgres://postgres@localhost/risk',
    'postgres://postgres@[::1]:5432/risk',
    'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/risk',
  ])('treats %s as local', (url) => {
    expect(isLocalDatabase(url)).toBe(true);
  });

  it.each(['postgres://postgres@postgres:5432/risk', 'postgres://u:p@db.example.com/risk'])(
    'treats %s as remote',
    (url) => {
      expect(isLocalDatabase(url)).toBe(false);
    },
  );
});
