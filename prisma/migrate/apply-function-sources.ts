// Applying prisma/functions to a database: each file whose content changed since it was last
// applied there, all in one transaction under the migrations' advisory lock.
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describeScriptFailure, MigrateError } from '#prisma/migrate/errors';
import type { FunctionSource } from '#prisma/migrate/function-files';
import { readPostgresError } from '#prisma/migrate/script-adapter';

/** One connection inside an open transaction. */
export type SqlTransaction = {
  /** One statement, with `$1`… parameters; rows as objects. */
  query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
  /** A script of one or more statements, sent as written (`$$` bodies included). */
  exec: (script: string) => Promise<void>;
};

/** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
export type RunInTransaction = <T>(work: (tx: SqlTransaction) => Promise<T>) => Promise<T>;

// The key of the advisory lock Prisma's schema engine holds while it applies migrations
// (`pg_advisory_lock(72707369)`): the function step waits for a deploy's migrations and vice versa.
const MIGRATE_LOCK_KEY = 72707369;

const RECORD_TABLE = `CREATE TABLE IF NOT EXISTS _function_sources (
  name text PRIMARY KEY,
  sha256 text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

const FUNCTIONS_NAMED = `SELECT p.oid::regprocedure::text AS signature FROM pg_proc AS p
WHERE p.proname = $1 AND p.pronamespace = current_schema()::regnamespace`;

/**
 * Applies the function files whose sha256 differs from the one `_function_sources` records for
 * their name (created on first use), and returns their names. For each such file every function of
 * that name is dropped first, so a file may change a function's arguments or result, then the file
 * runs and must leave exactly one function of its name. One transaction holds the migrations'
 * advisory lock: deploys running at once apply a file once, and a failing file (MigrateError
 * `function_failed`, with PostgreSQL's error) leaves every function as it was.
 */
export async function applyFunctionSources(
  inTransaction: RunInTransaction,
  sources: FunctionSource[],
): Promise<string[]> {
  if (sources.length === 0) return [];
  return inTransaction(async (tx) => {
    // The usual deploy changes nothing: it need not wait for the lock to find that out.
    if (changedSources(sources, await readRecorded(tx)).length === 0) return [];
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK_KEY})`);
    await tx.exec(RECORD_TABLE);
    const changed = changedSources(sources, await readRecorded(tx));
    for (const source of changed) await applyOne(tx, source);
    return changed.map((source) => source.name);
  });
}

/** What `_function_sources` records (nothing before the first deploy that had function files). */
async function readRecorded(tx: SqlTransaction): Promise<Map<string, string>> {
  const [table] = await tx.query("SELECT to_regclass('_function_sources') IS NOT NULL AS present");
  if (table?.['present'] !== true) return new Map();
  return new Map(
    (await tx.query('SELECT name, sha256 FROM _function_sources')).map((row) => [
      String(row['name']),
      String(row['sha256']),
    ]),
  );
}

function changedSources(sources: FunctionSource[], recorded: Map<string, string>): FunctionSource[] {
  return sources.filter((source) => recorded.get(source.name) !== source.sha256);
}

async function applyOne(tx: SqlTransaction, source: FunctionSource): Promise<void> {
  try {
    for (const row of await tx.query(FUNCTIONS_NAMED, [source.name]))
      await tx.exec(`DROP FUNCTION ${String(row['signature'])}`);
    await tx.exec(source.sql);
  } catch (error) {
    const failure = readPostgresError(error, source.sql);
    if (!failure) throw error;
    const databaseError = describeScriptFailure(failure);
    throw new MigrateError(
      'function_failed',
      `Function file ${source.name}.sql failed, no function file was applied: ${databaseError}`,
      {
        functionName: source.name,
        databaseError,
        cause: error,
      },
    );
  }
  const defined = await tx.query(FUNCTIONS_NAMED, [source.name]);
  if (defined.length !== 1) {
    throw new MigrateError(
      'function_failed',
      `Function file ${source.name}.sql must define one function named ${source.name}; it left ${defined.length}. No function file was applied.`,
      {
        functionName: source.name,
      },
    );
  }
  await tx.query(
    `INSERT INTO _function_sources (name, sha256, applied_at) VALUES ($1, $2, now())
     ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, applied_at = excluded.applied_at`,
    [source.name, source.sha256],
  );
}

/** Transactions on a PostgreSQL server, each on a connection of its own. */
export function postgresTransactions(url: string): RunInTransaction {
  return async (work) => {
    const client = new pg.Client({ connectionString: url });
    // A connection lost while idle is reported by the next query; without a listener it would crash the process.
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async (sql, params) => (await client.query(sql, params)).rows as Record<string, unknown>[],
        exec: async (script) => {
          await client.query(script);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      await client.end();
    }
  };
}

/** Transactions on a PGlite database (PGlite queues other queries until each ends). */
export function pgliteTransactions(open: () => Promise<PGlite>): RunInTransaction {
  return async (work) =>
    (await open()).transaction((tx) =>
      work({
        query: async (sql, params) => (await tx.query<Record<string, unknown>>(sql, params)).rows,
        exec: async (script) => {
          await tx.exec(script);
        },
      }),
    );
}
