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
 */
export async function applyMigrations(target: MigrationTarget, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const { schema, migrations, logger } = await readCommandInputs(options);
  const startedAt = performance.now();
  const applied = await withSchemaEngine(target, schema, logger, async ({ engine }) => {
    const result = await engine.applyMigrations({ migrationsList: migrations, filters: NO_FILTERS });
    return result.appliedMigrationNames;
  });
  logger.info({ applied, ms: Math.round(performance.now() - startedAt) }, applied.length > 0 ? 'migrations applied' : 'no pending migrations');
  return { applied };
}
