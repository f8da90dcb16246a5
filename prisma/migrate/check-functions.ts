// The drift check's part for prisma/functions: no migration re-pastes a function that has a file,
// every file applies to a freshly migrated database, and a deployed database runs what the files say.
import type { MigrationList } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import type { Logger } from 'pino';
import { applyFunctionSources, pgliteTransactions, postgresTransactions } from '#prisma/migrate/apply-function-sources';
import type { RunInTransaction } from '#prisma/migrate/apply-function-sources';
import { describeScriptFailure, MigrateError } from '#prisma/migrate/errors';
import { findRecreatedFunctions } from '#prisma/migrate/function-files';
import type { FunctionSource } from '#prisma/migrate/function-files';
import { startEmptyPglite } from '#prisma/migrate/pglite-snapshot';
import { createThrowAwayDatabase } from '#prisma/migrate/postgres-adapter';
import { readPostgresError } from '#prisma/migrate/script-adapter';
import type { MigrationTarget } from '#prisma/migrate/types';

const DEFINITIONS_SQL = `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition FROM pg_proc AS p
WHERE p.pronamespace = current_schema()::regnamespace AND p.proname = ANY ($1::text[])
ORDER BY 1, 2`;

/**
 * One line per problem with the function files, empty when there is none:
 * - a migration after the files took over that creates or replaces a function that has a file;
 * - with a PostgreSQL `target` that deploy has seen (it has `_function_sources`), a function there
 *   whose definition differs from the one a fresh database gets from the migrations and the files
 *   (a file not deployed yet, or a function edited in the database by hand).
 *
 * The fresh database is an in-memory PGlite, or a throw-away database on the target's server (so
 * both definitions are printed by the same PostgreSQL). A file that does not apply there throws
 * MigrateError `function_failed`; a migration that does not, `shadow_apply_failed`.
 */
export async function checkFunctions(
  target: MigrationTarget | undefined,
  migrations: MigrationList,
  sources: FunctionSource[],
  logger: Logger,
): Promise<string[]> {
  const problems = findRecreatedFunctions(migrations, sources);
  if (sources.length === 0) return problems;
  const names = sources.map((source) => source.name);
  if (target?.kind !== 'postgres') {
    const db = await startEmptyPglite(logger);
    try {
      await migrateFresh(migrations, sources, {
        exec: async (script) => void (await db.exec(script)),
        inTransaction: pgliteTransactions(async () => db),
      });
    } finally {
      await db.close();
    }
    return problems;
  }
  const shadow = await createThrowAwayDatabase(target.url, logger);
  const client = new pg.Client({ connectionString: shadow.url });
  client.on('error', () => {});
  try {
    await client.connect();
    const fresh = await migrateFresh(
      migrations,
      sources,
      { exec: async (script) => void (await client.query(script)), inTransaction: postgresTransactions(shadow.url) },
      names,
    );
    const deployed = await readDeployedDefinitions(target.url, names);
    if (deployed) {
      for (const name of names) {
        if (deployed.get(name) !== fresh.get(name)) {
          problems.push(
            `${name} in the database differs from prisma/functions/${name}.sql: deploy applies the file when it changed; after an edit in the database, delete its row from _function_sources and deploy`,
          );
        }
      }
    }
  } finally {
    await client.end().catch(() => {});
    await shadow.drop();
  }
  return problems;
}

/** An empty database to migrate: scripts run one by one (each its own implicit transaction), and transactions. */
type FreshDatabase = { exec: (script: string) => Promise<void>; inTransaction: RunInTransaction };

/**
 * Runs every migration as the engine does (each script whole, in its own implicit transaction),
 * then every function file; returns the definitions of `names`.
 */
async function migrateFresh(
  migrations: MigrationList,
  sources: FunctionSource[],
  db: FreshDatabase,
  names: string[] = [],
): Promise<Map<string, string>> {
  for (const directory of migrations.migrationDirectories) {
    if (directory.migrationFile.content.tag !== 'ok') continue;
    await runMigration(db, directory.path, directory.migrationFile.content.value);
  }
  await applyFunctionSources(db.inTransaction, sources);
  return db.inTransaction(async (tx) => definitionsOf(await tx.query(DEFINITIONS_SQL, [names])));
}

async function runMigration(db: FreshDatabase, name: string, script: string): Promise<void> {
  try {
    await db.exec(script);
  } catch (error) {
    const failure = readPostgresError(error, script);
    if (!failure) throw error;
    const databaseError = describeScriptFailure(failure);
    throw new MigrateError(
      'shadow_apply_failed',
      `Migration ${name} does not apply to an empty database: ${databaseError}`,
      { migrationName: name, databaseError, cause: error },
    );
  }
}

/** The definitions of `names` in a database deploy has applied function files to; undefined for any other. */
async function readDeployedDefinitions(url: string, names: string[]): Promise<Map<string, string> | undefined> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const [marker] = (
      await client.query<{ table: string | null }>("SELECT to_regclass('_function_sources')::text AS table")
    ).rows;
    if (!marker?.table) return undefined;
    return definitionsOf((await client.query(DEFINITIONS_SQL, [names])).rows as Record<string, unknown>[]);
  } finally {
    await client.end();
  }
}

function definitionsOf(rows: Record<string, unknown>[]): Map<string, string> {
  const definitions = new Map<string, string>();
  for (const row of rows) {
    const name = String(row['name']);
    definitions.set(name, [definitions.get(name), String(row['definition'])].filter(Boolean).join('\n'));
  }
  return definitions;
}
