import type { DiffTarget } from '@prisma/schema-engine-wasm';
import { checkFunctions } from '#prisma/migrate/check-functions';
import { NO_FILTERS, readCommandInputs } from '#prisma/migrate/command-inputs';
import { withSchemaEngine } from '#prisma/migrate/open-engine';
import type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';

/**
 * Whether prisma/schema.prisma and prisma/migrations describe the same database, and prisma/functions
 * is the one home of the functions it holds.
 */
export type MigrationCheck = {
  inSync: boolean;
  /** The SQL a new migration would need to contain, when the schema and the migrations do not agree. */
  diffSql?: string;
  /** What is wrong with the function files' place (check-functions.ts), one line each, when anything is. */
  functionProblems?: string[];
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
 *
 * Then checks the function files (check-functions.ts): no later migration re-creates one of their
 * functions, each applies to a freshly migrated database (else MigrateError `function_failed`), and,
 * with a PostgreSQL `target` that has been deployed, its functions are what the files define.
 */
export async function checkMigrations(target?: MigrationTarget, options: MigrateOptions = {}): Promise<MigrationCheck> {
  const { schema, migrations, functions, logger } = await readCommandInputs(options);
  const startedAt = performance.now();
  const engineTarget = target?.kind === 'postgres' ? target : { kind: 'pglite-throw-away' as const };
  const from: DiffTarget =
    migrations.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrations };
  const result = await withSchemaEngine(engineTarget, schema, logger, ({ engine }) =>
    engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    }),
  );
  const schemaInSync = result.exitCode !== EXIT_CODE_DIFFERENT;
  const functionProblems = await checkFunctions(target, migrations, functions, logger);
  const inSync = schemaInSync && functionProblems.length === 0;
  logger.info(
    { schemaInSync, functionProblems, ms: Math.round(performance.now() - startedAt) },
    inSync ? 'schema, migrations and functions agree' : 'schema, migrations and functions differ',
  );
  return {
    inSync,
    ...(schemaInSync ? {} : { diffSql: result.stdout ?? '' }),
    ...(functionProblems.length === 0 ? {} : { functionProblems }),
  };
}
