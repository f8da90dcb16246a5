import fs from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaClient } from '#core/infra/db/generated/client';
import { acquireDataDirLock, embeddedLockPath } from '#core/infra/db/data-dir-lock';
import type { AppConfig } from '#core/config/load-config';

export type { PrismaClient } from '#core/infra/db/generated/client';
export { Prisma } from '#core/infra/db/generated/client';

/**
 * PostgreSQL's buffer pool in the embedded database. PGlite's postgresql.conf asks for 128MB, and
 * its wasm memory zero-fills the whole pool when the database starts: ~130 MiB of RSS at once.
 * One process's embedded data is small and the files stay in the OS page cache anyway.
 */
const PGLITE_SHARED_BUFFERS = '16MB';

/** The database of one process: the Prisma client and how to close it. */
export type Database = {
  prisma: PrismaClient;
  kind: 'postgres' | 'pglite';
  /** The embedded PGlite instance, for the start-up migration in embedded mode. */
  pglite: PGlite | undefined;
  close(): Promise<void>;
};

/**
 * Opens the configured database: PostgreSQL through `@prisma/adapter-pg` (a pooled `pg`
 * client), or PGlite (PostgreSQL in-process, kept in `dataDir`) when no DATABASE_URL is set.
 * PGlite files are safe for one process only: a second opener would write pages the first
 * never sees and lose them. So the embedded database is opened under a lock file
 * (`<dataDir>.lock`), and a second opener gets `DataDirLockedError` naming the holder.
 * PGlite and its adapter are imported only in embedded mode (they cost ~12 MiB to load).
 * A data directory that holds no database yet starts from `pgliteBaseline` when it gives one.
 */
export async function createDatabase(
  config: AppConfig['database'],
  options: {
    poolSize?: number;
    /** A migrated data directory (a tarball) that a PGlite data directory holding no database yet starts from. */
    pgliteBaseline?: () => Promise<Blob | undefined>;
  } = {},
): Promise<Database> {
  if (config.kind === 'postgres') {
    const adapter = new PrismaPg({ connectionString: config.url, max: options.poolSize ?? 10 });
    const prisma = new PrismaClient({ adapter });
    return { prisma, kind: 'postgres', pglite: undefined, close: () => prisma.$disconnect() };
  }
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ]);
  await fs.mkdir(config.dataDir, { recursive: true });
  const lock = await acquireDataDirLock(embeddedLockPath(config.dataDir));
  let pglite: PGlite;
  try {
    const isFresh = await fs.access(path.join(config.dataDir, 'PG_VERSION')).then(
      () => false,
      () => true,
    );
    const loadDataDir = isFresh ? await options.pgliteBaseline?.() : undefined;
    pglite = await PGlite.create({
      dataDir: config.dataDir,
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
      ...(loadDataDir ? { loadDataDir } : {}),
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'pglite',
    pglite,
    close: async () => {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        await lock.release();
      }
    },
  };
}
