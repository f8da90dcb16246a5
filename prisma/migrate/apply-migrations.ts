import { applyFunctionSources } from '#prisma/migrate/apply-function-sources';
import { readCommandInputs, NO_FILTERS } from '#prisma/migrate/command-inputs';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';

/**
 * Applies the migrations in prisma/migrations that `target` has not applied yet, in name order,
 * recording each in `_prisma_migrations` exactly as `prisma migrate deploy` does (checksum =
 * sha256 of migration.sql), so Prisma's own CLI accepts the database later.
 *
 * Each migration runs as one transaction: when one fails, nothing from it stays, it is recorded
 * as failed, and this throws a MigrateError (`migration_failed`) naming it with PostgreSQL's error.
 * Later deploys refuse (`failed_migration_recorded`) until it is marked rolled back.
 *
 * Then applies the files of prisma/functions that changed since they were last applied to
 * `target` (apply-function-sources.ts): `functions` names them. Every caller that migrates (the
 * CLI's deploy, the app's start, the test databases) gets both.
 */
export async function applyMigrations(
  target: MigrationTarget,
  options: MigrateOptions = {},
): Promise<{ applied: string[]; functions: string[] }> {
  const { schema, migrations, functions: sources, logger } = await readCommandInputs(options);
  const startedAt = performance.now();
  let functions: string[] = [];
  const applied = await withSchemaEngine(
    target,
    schema,
    logger,
    async ({ engine }) =>
      (await engine.applyMigrations({ migrationsList: migrations, filters: NO_FILTERS })).appliedMigrationNames,
    async (inMainTransaction) => {
      functions = await applyFunctionSources(inMainTransaction, sources);
    },
  );
  const ms = Math.round(performance.now() - startedAt);
  logger.info(
    { applied, functions, ms },
    applied.length > 0 || functions.length > 0
      ? 'migrations and functions applied'
      : 'no pending migrations or functions',
  );
  return { applied, functions };
}
