// Empty PGlite databases for shadow use, started from a snapshot of a freshly initialised cluster.
// PGlite's initdb costs ~2 s per start; loading the snapshot ~0.8 s. Every drift check and every
// `new` on PGlite starts at least one, so the snapshot is kept in node_modules/.cache (made on
// first use, keyed by PGlite's version, removed by any clean install).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/prisma-migrate', import.meta.url));

/**
 * Starts an empty in-memory PGlite: from the cached snapshot when there is a usable one, else by
 * initdb, writing the snapshot for next time. A snapshot that fails to load is replaced.
 */
export async function startEmptyPglite(logger: Logger): Promise<PGlite> {
  const startedAt = performance.now();
  const snapshotPath = join(CACHE_DIR, `pglite-${await readPgliteVersion()}-empty.tar`);
  const snapshot = await readFile(snapshotPath).catch(() => undefined);
  if (snapshot) {
    try {
      const db = await PGlite.create({ loadDataDir: new Blob([snapshot]) });
      logger.debug({ ms: Math.round(performance.now() - startedAt) }, 'started empty PGlite from snapshot');
      return db;
    } catch (error) {
      logger.warn({ err: error, snapshotPath }, 'PGlite snapshot did not load, replacing it');
      await rm(snapshotPath, { force: true });
    }
  }
  const db = await PGlite.create();
  logger.debug({ ms: Math.round(performance.now() - startedAt) }, 'started empty PGlite with initdb');
  await saveSnapshot(db, snapshotPath).catch((error: unknown) =>
    logger.debug({ err: error }, 'could not save the PGlite snapshot'),
  );
  return db;
}

async function saveSnapshot(db: PGlite, snapshotPath: string): Promise<void> {
  const dump = await db.dumpDataDir('none');
  await mkdir(dirname(snapshotPath), { recursive: true });
  // Written under a unique name then renamed, so a concurrent reader never sees half a file.
  const partial = `${snapshotPath}.${process.pid}.${Date.now()}.partial`;
  await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
  await rename(partial, snapshotPath);
}

async function readPgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
