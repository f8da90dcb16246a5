import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';

/**
 * The database a command works on: a PostgreSQL server, or an embedded PGlite (in memory when
 * `dataDir` is undefined; `db` is an instance the caller opened and keeps open).
 */
export type MigrationTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir?: string; db?: PGlite };

/** Where a command finds its inputs; tests point these at temporary copies. */
export type MigrateOptions = {
  /** Defaults to prisma/schema.prisma. */
  schemaPath?: string;
  /** Defaults to prisma/migrations. */
  migrationsDir?: string;
  /** Defaults to prisma/functions. */
  functionsDir?: string;
  /** Defaults to a silent pino logger. */
  logger?: Logger;
};
