// prisma/functions: the home of the database functions. One file per function, named after it,
// holding one CREATE OR REPLACE FUNCTION; deploy applies a file whenever its content changed.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { MigrateError } from '#prisma/migrate/errors';

/** prisma/functions of this repository. */
export const DEFAULT_FUNCTIONS_DIR = fileURLToPath(new URL('../functions', import.meta.url));

/**
 * The last migration that may create a function that has a file in prisma/functions: these landed
 * before the files existed and stay as they are (a database that applied them must not see them
 * change). Any later migration that creates such a function is a re-paste, which the check refuses.
 */
export const LAST_MIGRATION_BEFORE_FUNCTION_FILES = '20261207150107_suspension_mark_groups';

/** One function file: the function's name (the file's), its SQL and the sha256 of that SQL. */
export type FunctionSource = { name: string; sql: string; sha256: string };

const FUNCTION_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Reads every `<name>.sql` of `functionsDir`, sorted by name. A missing directory is an error (a
 * build or image without it would otherwise deploy stale functions in silence); a file whose name
 * is not a plain lower-case SQL identifier is refused.
 */
export async function readFunctionSources(functionsDir: string): Promise<FunctionSource[]> {
  const files = await readdir(functionsDir);
  const names = files
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.slice(0, -'.sql'.length))
    .sort();
  return Promise.all(
    names.map(async (name) => {
      if (!FUNCTION_NAME.test(name)) {
        throw new MigrateError(
          'function_failed',
          `${name}.sql: a function file is named after its function, in lower case (letters, digits, _)`,
          { functionName: name },
        );
      }
      const sql = await readFile(join(functionsDir, `${name}.sql`), 'utf8');
      return { name, sql, sha256: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * The migrations after {@link LAST_MIGRATION_BEFORE_FUNCTION_FILES} that create or replace a
 * function that has a file, as one line each for the operator.
 */
export function findRecreatedFunctions(migrations: MigrationList, sources: FunctionSource[]): string[] {
  const problems: string[] = [];
  for (const directory of migrations.migrationDirectories) {
    if (directory.path <= LAST_MIGRATION_BEFORE_FUNCTION_FILES) continue;
    const content = directory.migrationFile.content;
    if (content.tag !== 'ok') continue;
    for (const source of sources) {
      const creates = new RegExp(
        `CREATE\\s+(?:OR\\s+REPLACE\\s+)?FUNCTION\\s+(?:"?public"?\\.)?"?${source.name}"?\\s*\\(`,
        'i',
      );
      if (creates.test(content.value)) {
        problems.push(
          `migration ${directory.path} re-creates ${source.name}: edit prisma/functions/${source.name}.sql instead (deploy applies it)`,
        );
      }
    }
  }
  return problems;
}
