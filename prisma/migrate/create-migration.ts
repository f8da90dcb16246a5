import { join } from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import { applyFunctionSources } from '#prisma/migrate/apply-function-sources';
import type { RunInTransaction } from '#prisma/migrate/apply-function-sources';
import { NO_FILTERS, readCommandInputs } from '#prisma/migrate/command-inputs';
import { MigrateError } from '#prisma/migrate/errors';
import { readMigrationList, writeMigration } from '#prisma/migrate/migration-files';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';

/** What `createMigration` wrote, and what it applied to the target on the way. */
export type CreatedMigration = {
  /** Directory name, `<yyyymmddhhmmss>_<name>`. */
  name: string;
  /** The migration.sql written. */
  path: string;
  /** Migrations applied to the target: pending ones first, then the new one (unless createOnly). */
  applied: string[];
  /** Data-loss warnings for the new migration (dropped columns, narrowed types, ...). */
  warnings: string[];
};

/**
 * `prisma migrate dev --name <name>` for this project: brings `target` (a development database)
 * up to date, diffs prisma/schema.prisma against the migration history replayed on a shadow
 * database (a throw-away database on the same PostgreSQL server, or an in-memory PGlite), writes
 * `<migrationsDir>/<timestamp>_<name>/migration.sql` and migration_lock.toml, then applies the new
 * migration and the changed function files as deploy does, unless `createOnly`. Returns null when the schema and the migrations already agree.
 *
 * Refuses (`needs_reset`) when the target's history disagrees with the migrations directory; it
 * never resets a database.
 */
export async function createMigration(
  target: MigrationTarget,
  name: string,
  options: MigrateOptions & { createOnly?: boolean } = {},
): Promise<CreatedMigration | null> {
  const migrationName = toMigrationName(name);
  const { schema, migrations, functions, migrationsDir, logger } = await readCommandInputs(options);
  const startedAt = performance.now();
  const applyFunctions = async (inMainTransaction: RunInTransaction) => {
    await applyFunctionSources(inMainTransaction, functions);
  };
  const created = await withSchemaEngine(
    target,
    schema,
    logger,
    async ({ engine }) => {
      const schemas = { files: [schema] };
      // The wasm engine's createMigration and evaluateDataLoss reuse the shadow-database state
      // devDiagnostic leaves behind: it must run first, and again once pending migrations land.
      await diagnoseOrRefuse(engine, migrations);
      const { appliedMigrationNames: applied } = await engine.applyMigrations({
        migrationsList: migrations,
        filters: NO_FILTERS,
      });
      if (applied.length > 0) await diagnoseOrRefuse(engine, migrations);

      const dataLoss = await engine.evaluateDataLoss({
        migrationsList: migrations,
        schema: schemas,
        filters: NO_FILTERS,
      });
      const warnings = dataLoss.warnings.map((warning) => warning.message);
      if (dataLoss.unexecutableSteps.length > 0 && !options.createOnly) {
        throw new MigrateError(
          'unexecutable_change',
          `The next migration cannot run on this database as generated:\n${dataLoss.unexecutableSteps.map((step) => `- ${step.message}`).join('\n')}\nCreate it with --create-only and edit it.`,
        );
      }
      const generated = await engine.createMigration({
        migrationName,
        draft: false,
        migrationsList: migrations,
        schema: schemas,
        filters: NO_FILTERS,
      });
      if (generated.migrationScript === null) return { applied, written: undefined };

      const directory = await writeMigration(migrationsDir, {
        name: generated.generatedMigrationName,
        script: generated.migrationScript,
        extension: generated.extension,
        connectorType: generated.connectorType,
      });
      if (!options.createOnly) {
        const withNew = await readMigrationList(migrationsDir);
        const result = await engine.applyMigrations({ migrationsList: withNew, filters: NO_FILTERS });
        applied.push(...result.appliedMigrationNames);
      }
      const written = {
        name: generated.generatedMigrationName,
        path: join(directory, `migration.${generated.extension}`),
        warnings,
      };
      return { applied, written };
    },
    options.createOnly ? undefined : applyFunctions,
  );
  const ms = Math.round(performance.now() - startedAt);
  if (!created.written) {
    logger.info({ applied: created.applied, ms }, 'schema and migrations agree, no migration created');
    return null;
  }
  for (const warning of created.written.warnings) logger.warn({ migration: created.written.name }, warning);
  logger.info({ migration: created.written.name, applied: created.applied, ms }, 'migration created');
  return { ...created.written, applied: created.applied };
}

/**
 * The part after the timestamp: lower case, runs of anything but letters and digits become `_`
 * (what Prisma's CLI does to `--name`).
 */
export function toMigrationName(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '')
    throw new MigrateError(
      'engine_error',
      `A migration needs a name made of letters or digits, got ${JSON.stringify(name)}`,
    );
  return slug.slice(0, 200);
}

async function diagnoseOrRefuse(
  engine: SchemaEngine,
  migrations: Parameters<SchemaEngine['devDiagnostic']>[0]['migrationsList'],
): Promise<void> {
  const { action } = await engine.devDiagnostic({ migrationsList: migrations, filters: NO_FILTERS });
  if (action.tag === 'reset') {
    throw new MigrateError(
      'needs_reset',
      `The database and prisma/migrations disagree, so no migration was created: ${action.reason}\nPoint the command at a fresh database, or drop and recreate this development database.`,
    );
  }
}
