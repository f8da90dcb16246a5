// A migrated PGlite data directory, made once by `npm run build`, that a fresh embedded database
// starts from: a first start then loads a tarball (~1 s) instead of running initdb and every
// migration through the schema engine (~30 s and ~900 MiB on a loaded 2-core machine).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations } from '#prisma/migrate/apply-migrations';
import { readDeployInputs } from '#prisma/migrate/command-inputs';
import type { MigrateOptions } from '#prisma/migrate/types';

/** Where the build writes the baseline: prisma/baseline next to prisma/migrations (dist/prisma/baseline in a build). */
export const DEFAULT_BASELINE_DIR = fileURLToPath(new URL('../baseline', import.meta.url));

/** Where a baseline is kept and what it is made from. */
export type BaselineOptions = MigrateOptions & { baselineDir?: string };

/**
 * The baseline's file name: PGlite's version and a hash of every migration (name and SQL) and
 * every function file, so a baseline made from other migrations, other functions or another
 * PGlite is never loaded.
 */
async function baselinePath(options: BaselineOptions): Promise<string> {
  const { migrations, functions } = await readDeployInputs(options);
  const hash = createHash('sha256');
  for (const directory of migrations.migrationDirectories)
    hash.update(`migration ${directory.path}\n${JSON.stringify(directory.migrationFile.content)}\n`);
  for (const source of functions) hash.update(`function ${source.name} ${source.sha256}\n`);
  return join(
    options.baselineDir ?? DEFAULT_BASELINE_DIR,
    `pglite-${readPgliteVersion()}-${hash.digest('hex').slice(0, 16)}.tar.gz`,
  );
}

/**
 * Migrates an empty in-memory PGlite with {@link applyMigrations} (the schema engine, so
 * `_prisma_migrations` is Prisma's own) and writes its data directory, gzipped, as the baseline
 * of the current migrations and function files. Returns the file's path.
 */
export async function writePgliteBaseline(options: BaselineOptions = {}): Promise<string> {
  const path = await baselinePath(options);
  const db = await PGlite.create();
  try {
    await applyMigrations({ kind: 'pglite', db }, options);
    const dump = await db.dumpDataDir('gzip');
    await mkdir(dirname(path), { recursive: true });
    // Written under a unique name then renamed, so a reader never sees half a file.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, path);
    return path;
  } finally {
    await db.close();
  }
}

/**
 * The baseline of the current migrations and function files, for `PGlite.create({ loadDataDir })`
 * on a fresh data directory; undefined when there is none (a source checkout that was not built,
 * or migrations changed since the build), and the caller migrates as before.
 */
export async function readPgliteBaseline(options: BaselineOptions = {}): Promise<Blob | undefined> {
  const content = await readFile(await baselinePath(options)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return content ? new Blob([content]) : undefined;
}

function readPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
