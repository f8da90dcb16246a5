// Scratch databases and scratch copies of prisma/ for the migrate tool's tests.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { DEFAULT_FUNCTIONS_DIR, DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '#prisma/migrate/index';
import type { MigrationTarget } from '#prisma/migrate/index';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';

/** A database of one test, the target to migrate it, a way to query it, and its removal. */
export type ScratchDatabase = {
  target: MigrationTarget;
  query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
  close: () => Promise<void>;
};

/**
 * An empty database: a uniquely named one on the test PostgreSQL server (dropped by `close`),
 * or an in-memory PGlite handed to the tool as an open instance, the way the app does.
 */
export async function createScratchDatabase(kind: 'postgres' | 'pglite'): Promise<ScratchDatabase> {
  if (kind === 'pglite') {
    const db = await PGlite.create();
    return {
      target: { kind: 'pglite', db },
      query: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
      close: () => db.close(),
    };
  }
  const name = `migrate_test_${randomBytes(6).toString('hex')}`;
  await runAdminSql(`CREATE DATABASE "${name}"`);
  const url = postgresUrlFor(name);
  return {
    target: { kind: 'postgres', url },
    query: async (sql, params) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    close: () => runAdminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** A temporary directory holding a copy of prisma/schema.prisma, prisma/migrations and prisma/functions. */
export type ScratchPrisma = {
  dir: string;
  schemaPath: string;
  migrationsDir: string;
  functionsDir: string;
  /** The options that point the migrate tool at this copy. */
  options: { schemaPath: string; migrationsDir: string; functionsDir: string };
  /** Adds `<migrationsDir>/<name>/migration.sql`. */
  addMigration: (name: string, sql: string) => Promise<void>;
  /** Removes one migration directory. */
  removeMigration: (name: string) => Promise<void>;
  /** Rewrites `<functionsDir>/<name>.sql` with `edit` (a new file when `edit` ignores its argument). */
  editFunction: (name: string, edit: (sql: string) => string) => Promise<void>;
  /** Rewrites schema.prisma with `edit`. */
  editSchema: (edit: (schema: string) => string) => Promise<void>;
  remove: () => Promise<void>;
};

/** Copies this repository's schema, migrations and function files into a temporary directory tests may change. */
export async function createScratchPrisma(options: { withMigrations?: boolean } = {}): Promise<ScratchPrisma> {
  const dir = await mkdtemp(join(tmpdir(), 'migrate-test-'));
  const schemaPath = join(dir, 'schema.prisma');
  const migrationsDir = join(dir, 'migrations');
  const functionsDir = join(dir, 'functions');
  await cp(DEFAULT_SCHEMA_PATH, schemaPath);
  await cp(DEFAULT_FUNCTIONS_DIR, functionsDir, { recursive: true });
  if (options.withMigrations ?? true) await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
  else await mkdir(migrationsDir);
  return {
    dir,
    schemaPath,
    migrationsDir,
    functionsDir,
    options: { schemaPath, migrationsDir, functionsDir },
    addMigration: async (name, sql) => {
      await mkdir(join(migrationsDir, name));
      await writeFile(join(migrationsDir, name, 'migration.sql'), sql);
    },
    removeMigration: (name) => rm(join(migrationsDir, name), { recursive: true }),
    editFunction: async (name, edit) => {
      const path = join(functionsDir, `${name}.sql`);
      await writeFile(path, edit(await readFile(path, 'utf8').catch(() => '')));
    },
    editSchema: async (edit) => writeFile(schemaPath, edit(await readFile(schemaPath, 'utf8'))),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Adds a nullable `nickname` column to the User model (table `users`). */
export function withNicknameColumn(schema: string): string {
  const edited = schema.replace('model User {\n', 'model User {\n  nickname String?\n');
  if (edited === schema) throw new Error('model User not found in schema.prisma');
  return edited;
}

/** Adds a marker comment inside the body of `spendable_lots` (prisma/functions/spendable_lots.sql): a change the database keeps. */
export function withMarkedSpendableLots(marker: string): (sql: string) => string {
  return (sql) => {
    const edited = sql.replace('AS $$\n', () => `AS $$\n  -- ${marker}\n`);
    if (edited === sql) throw new Error('no $$ body in spendable_lots.sql');
    return edited;
  };
}

/** The tables the initial migration creates, one per model (`@@map` names). */
export const MODEL_TABLES = [
  'users',
  'identities',
  'web_sessions',
  'security_events',
  'credit_lots',
  'credit_ledger',
  'credit_reservations',
  'reservation_allocations',
  'payments',
  'stripe_customers',
  'subscriptions',
  'generations',
  'media_assets',
  'templates',
  'template_events',
  'moderation_events',
  'suspensions',
  'data_subject_requests',
  'one_time_tokens',
  'processed_webhook_events',
  'audit_log',
];
