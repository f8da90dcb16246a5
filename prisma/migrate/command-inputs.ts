// What every command reads before it starts the engine.
import pino from 'pino';
import type { Logger } from 'pino';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, readMigrationList } from '#prisma/migrate/migration-files';
import { readFile } from 'node:fs/promises';
import { DEFAULT_FUNCTIONS_DIR, readFunctionSources } from '#prisma/migrate/function-files';
import type { FunctionSource } from '#prisma/migrate/function-files';
import type { MigrateOptions } from '#prisma/migrate/types';

/**
 * What the schema engine leaves alone: `_function_sources`, where deploy records which function
 * files it applied (apply-function-sources.ts). Every other table and enum is Prisma's.
 */
export const NO_FILTERS: SchemaFilter = { externalTables: ['public._function_sources'], externalEnums: [] };

/** The inputs of one command, defaults applied and files read. */
export type CommandInputs = {
  schema: { path: string; content: string };
  migrationsDir: string;
  migrations: MigrationList;
  functions: FunctionSource[];
  logger: Logger;
};

/** Applies the defaults (this repository's schema, migrations and function files, a silent logger) and reads them. */
export async function readCommandInputs(options: MigrateOptions = {}): Promise<CommandInputs> {
  const [schema, inputs] = await Promise.all([readSchema(options), readDeployInputs(options)]);
  return { schema, ...inputs };
}

/** The inputs of a deploy that may find nothing to do: everything but the datamodel, which only the schema engine reads. */
export async function readDeployInputs(options: MigrateOptions = {}): Promise<Omit<CommandInputs, 'schema'>> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const [migrations, functions] = await Promise.all([
    readMigrationList(migrationsDir),
    readFunctionSources(options.functionsDir ?? DEFAULT_FUNCTIONS_DIR),
  ]);
  return { migrationsDir, migrations, functions, logger: options.logger ?? pino({ level: 'silent' }) };
}

/** The datamodel the schema engine starts with (prisma/schema.prisma unless `schemaPath` says otherwise). */
export async function readSchema(options: MigrateOptions = {}): Promise<CommandInputs['schema']> {
  const schemaPath = options.schemaPath ?? DEFAULT_SCHEMA_PATH;
  return { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
}
