import type { HistoryDiagnostic } from '@prisma/schema-engine-wasm';
import { NO_FILTERS, readCommandInputs } from '#prisma/migrate/command-inputs';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';

/** Where a database stands against prisma/migrations. */
export type MigrationStatus = {
  hasMigrationsTable: boolean;
  /** Finished and not rolled back, in the order they were applied. */
  applied: string[];
  /** In the directory, not applied yet. */
  pending: string[];
  /** Recorded as failed; deploy refuses until each is marked rolled back. */
  failed: string[];
  /** Applied, but migration.sql changed since (checksum mismatch). */
  edited: string[];
  /** Applied to the database but missing from the directory. */
  notInDirectory: string[];
};

const APPLIED_SQL = `SELECT migration_name, finished_at IS NOT NULL AND rolled_back_at IS NULL AS is_applied
FROM _prisma_migrations ORDER BY started_at, migration_name`;

/**
 * `prisma migrate status`: which migrations `target` has applied, which are pending, failed,
 * edited since they were applied, or unknown to the directory. Reads only; needs no shadow database.
 */
export async function migrationStatus(target: MigrationTarget, options: MigrateOptions = {}): Promise<MigrationStatus> {
  const { schema, migrations, logger } = await readCommandInputs(options);
  return withSchemaEngine(target, schema, logger, async ({ engine, queryMain }) => {
    const diagnosis = await engine.diagnoseMigrationHistory({
      migrationsList: migrations,
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    });
    const rows = diagnosis.hasMigrationsTable ? await queryMain(APPLIED_SQL) : [];
    return {
      hasMigrationsTable: diagnosis.hasMigrationsTable,
      applied: rows.filter((row) => row[1] === true).map((row) => String(row[0])),
      pending: diagnosis.hasMigrationsTable
        ? unapplied(diagnosis.history)
        : migrations.migrationDirectories.map((dir) => dir.path),
      failed: diagnosis.failedMigrationNames,
      edited: diagnosis.editedMigrationNames,
      notInDirectory: unpersisted(diagnosis.history),
    };
  });
}

function unapplied(history: HistoryDiagnostic | null): string[] {
  if (history?.diagnostic === 'databaseIsBehind' || history?.diagnostic === 'historiesDiverge')
    return history.unappliedMigrationNames;
  return [];
}

function unpersisted(history: HistoryDiagnostic | null): string[] {
  if (history?.diagnostic === 'migrationsDirectoryIsBehind' || history?.diagnostic === 'historiesDiverge')
    return history.unpersistedMigrationNames;
  return [];
}
