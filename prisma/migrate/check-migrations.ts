import type { DiffTarget } from '@prisma/schema-engine-wasm';
import { NO_FILTERS, readCommandInputs } from '#prisma/migrate/command-inputs';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';

/** Whether prisma/schema.prisma and prisma/migrations describe the same database. */
export type MigrationCheck = {
  inSync: boolean;
  /** The SQL a new migration would need to contain, when they do not agree. */
  diffSql?: string;
};

// `diff --exit-code` convention of Prisma's CLI: 0 = no difference, 2 = difference.
const EXIT_CODE_DIFFERENT = 2;

/**
 * Replays the migrations on an empty shadow database and diffs the result against the schema's
 * datamodel (`prisma migrate diff --from-migrations --to-schema-datamodel --exit-code`).
 *
 * The shadow database is an in-memory PGlite (no server needed) unless `target` is a PostgreSQL
 * server, in which case a throw-away database is created and dropped there. The target database
 * itself is never read or changed. A migration that does not apply to an empty database throws
 * MigrateError `shadow_apply_failed`.
 */
export async function checkMigrations(target?: MigrationTarget, options: MigrateOptions = {}): Promise<MigrationCheck> {
  const { schema, migrations, logger } = await readCommandInputs(options);
  const startedAt = performance.now();
  const engineTarget = target?.kind === 'postgres' ? target : { kind: 'pglite-throw-away' as const };
  const from: DiffTarget = migrations.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrations };
  const result = await withSchemaEngine(engineTarget, schema, logger, ({ engine }) =>
    engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    }),
  );
  const inSync = result.exitCode !== EXIT_CODE_DIFFERENT;
  logger.info({ inSync, ms: Math.round(performance.now() - startedAt) }, inSync ? 'schema and migrations agree' : 'schema and migrations differ');
  return inSync ? { inSync } : { inSync, diffSql: result.stdout ?? '' };
}
