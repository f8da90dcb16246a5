import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '#core/infra/db/create-database';

/**
 * PGlite zero-fills PostgreSQL's whole buffer pool in its wasm memory when it starts, so the pool's
 * size is RSS the embedded process holds from its first second: 16MB, not the 128MB of PGlite's
 * postgresql.conf.
 */
describe('the embedded database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts PostgreSQL with a 16MB buffer pool', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-memory-'));
    dirs.push(dir);
    const database = await createDatabase({ kind: 'pglite', dataDir: join(dir, 'pglite') });
    try {
      const rows = await database.prisma.$queryRawUnsafe<{ shared_buffers: string }[]>('SHOW shared_buffers');
      expect(rows).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await database.close();
    }
  });
});
