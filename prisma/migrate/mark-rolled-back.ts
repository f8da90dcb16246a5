import { readCommandInputs } from '#prisma/migrate/command-inputs';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';

/**
 * `prisma migrate resolve --rolled-back <name>`: marks a failed migration as rolled back so the
 * next deploy applies it again (after it was fixed). Safe after a failure reported by
 * `applyMigrations`, which runs each migration as one transaction: nothing from it was kept.
 */
export async function markMigrationRolledBack(
  target: MigrationTarget,
  migrationName: string,
  options: MigrateOptions = {},
): Promise<void> {
  const { schema, logger } = await readCommandInputs(options);
  await withSchemaEngine(target, schema, logger, ({ engine }) => engine.markMigrationRolledBack({ migrationName }));
  logger.info({ migration: migrationName }, 'migration marked rolled back');
}
