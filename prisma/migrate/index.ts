// The offline Prisma migration toolchain: Prisma's schema engine compiled to wasm, driven through
// driver adapters, for PostgreSQL servers and embedded PGlite. CLI: prisma/migrate/cli.ts.
export { applyMigrations } from '#prisma/migrate/apply-migrations';
export { checkMigrations } from '#prisma/migrate/check-migrations';
export { createMigration } from '#prisma/migrate/create-migration';
export { MigrateError } from '#prisma/migrate/errors';
export { markMigrationRolledBack } from '#prisma/migrate/mark-rolled-back';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '#prisma/migrate/migration-files';
export { DEFAULT_FUNCTIONS_DIR } from '#prisma/migrate/function-files';
export { readPgliteBaseline, writePgliteBaseline, DEFAULT_BASELINE_DIR } from '#prisma/migrate/pglite-baseline';
export { migrationStatus } from '#prisma/migrate/migration-status';
export type { MigrateOptions, MigrationTarget } from '#prisma/migrate/types';
