// What every command reads before it starts the engine.
import pino from 'pino';
import type { Logger } from 'pino';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, readMigrationList } from '#prisma/migrate/migration-files';
import { readFile } from 'node:fs/promises';
import type { MigrateOptions } from '#prisma/migrate/types';

/** No table or enum is managed outside Prisma in this project. */
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

/** The inputs of one command, defaults applied and files read. */
export type CommandInputs = {
  schema: { path: string; content: string };
  migrationsDir: string;
  migrations: MigrationList;
  logger: Logger;
};

/** Applies the defaults (this repository's schema and migrations, a silent logger) and reads both. */
export async function readCommandInputs(options: MigrateOptions = {}): Promise<CommandInputs> {
  const schemaPath = options.schemaPath ?? DEFAULT_SCHEMA_PATH;
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const [content, migrations] = await Promise.all([readFile(schemaPath, 'utf8'), readMigrationList(migrationsDir)]);
  return {
    schema: { path: schemaPath, content },
    migrationsDir,
    migrations,
    logger: options.logger ?? pino({ level: 'silent' }),
  };
}
