import { describe, expect, it } from 'vitest';
import { resolveCliTarget } from '#prisma/migrate/cli-target';

describe('resolveCliTarget', () => {
  const url = 'postgresql://postgres@127.0.0.1:5432/imagine';

  it('takes --url first', () => {
    expect(resolveCliTarget(url, { DATABASE_URL: 'postgresql://elsewhere/db' })).toEqual({ kind: 'postgres', url });
  });

  it('then DATABASE_URL', () => {
    expect(resolveCliTarget(undefined, { DATABASE_URL: url, DATA_DIR: '/srv/data' })).toEqual({
      kind: 'postgres',
      url,
    });
  });

  it("then the app's embedded PGlite under DATA_DIR, or ./.data", () => {
    expect(resolveCliTarget(undefined, { DATA_DIR: '/srv/data' })).toEqual({
      kind: 'pglite',
      dataDir: '/srv/data/pglite',
    });
    expect(resolveCliTarget(undefined, {})).toEqual({ kind: 'pglite', dataDir: '.data/pglite' });
    expect(resolveCliTarget(undefined, { DATABASE_URL: '', DATA_DIR: '' })).toEqual({
      kind: 'pglite',
      dataDir: '.data/pglite',
    });
  });
});
