import { applyFunctionSources, pgliteTransactions, postgresTransactions } from '#prisma/migrate/apply-function-sources';
import type { RunInTransaction } from '#prisma/migrate/apply-function-sources';
import { NO_FILTERS, readDeployInputs, readSchema } from '#prisma/migrate/command-inputs';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import { isUpToDate } from '#prisma/migrate/pending-migrations';
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
 *
 * A database that records every migration as applied (the usual start) is found so with one query
 * and the schema engine is never loaded (pending-migrations.ts); only the function step runs.
 */
export async function applyMigrations(
  target: MigrationTarget,
  options: MigrateOptions = {},
): Promise<{ applied: string[]; functions: string[] }> {
  const { migrations, functions: sources, logger } = await readDeployInputs(options);
  const startedAt = performance.now();
  let functions: string[] = [];
  const inMainTransaction = openedTransactions(target);
  let applied: string[] = [];
  if (inMainTransaction && (await inMainTransaction((tx) => isUpToDate(tx, migrations)))) {
    functions = await applyFunctionSources(inMainTransaction, sources);
  } else {
    applied = await withSchemaEngine(
      target,
      await readSchema(options),
      logger,
      async ({ engine }) =>
        (await engine.applyMigrations({ migrationsList: migrations, filters: NO_FILTERS })).appliedMigrationNames,
      async (inTransaction) => {
        functions = await applyFunctionSources(inTransaction, sources);
      },
    );
  }
  const ms = Math.round(performance.now() - startedAt);
  logger.info(
    { applied, functions, ms },
    applied.length > 0 || functions.length > 0
      ? 'migrations and functions applied'
      : 'no pending migrations or functions',
  );
  return { applied, functions };
}

/**
 * Transactions on a target that needs no opening of its own: a PostgreSQL server or a PGlite the
 * caller holds open. A PGlite data directory is opened (under its lock) by the engine's session only.
 */
function openedTransactions(target: MigrationTarget): RunInTransaction | undefined {
  if (target.kind === 'postgres') return postgresTransactions(target.url);
  const { db } = target;
  return db ? pgliteTransactions(async () => db) : undefined;
}
