import { join } from 'node:path';
import type { MigrationTarget } from '#prisma/migrate/types';

/**
 * The database the CLI works on: `--url`, else DATABASE_URL, else the embedded PGlite database
 * the app itself uses, `${DATA_DIR or ./.data}/pglite`. The app reads these two variables through
 * its config module; the CLI reads them here, and only here.
 */
export function resolveCliTarget(url: string | undefined, env: NodeJS.ProcessEnv): MigrationTarget {
  const databaseUrl = url ?? env['DATABASE_URL'];
  if (databaseUrl) return { kind: 'postgres', url: databaseUrl };
  return { kind: 'pglite', dataDir: join(env['DATA_DIR'] || './.data', 'pglite') };
}
