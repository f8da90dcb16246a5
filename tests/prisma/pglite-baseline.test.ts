import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '#core/infra/db/create-database';
import { applyMigrations, readPgliteBaseline, writePgliteBaseline } from '#prisma/migrate/index';
import { createScratchPrisma, type ScratchPrisma } from '#tests/prisma/migrate-fixtures';

/** What a migrated database is: its columns, indexes, constraints, functions and migration records. */
async function shapeOf(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<unknown[]> {
  return [
    await query(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, column_name`),
    await query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname"),
    await query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace ORDER BY conname`),
    await query(`SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`),
    await query('SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations ORDER BY migration_name'),
    await query('SELECT name, sha256 FROM _function_sources ORDER BY name'),
  ];
}

/**
 * `npm run build` writes a migrated PGlite data directory that a fresh embedded database starts
 * from, so a first start skips initdb and the migrations.
 */
describe('the PGlite baseline', () => {
  let scratch: ScratchPrisma;
  let baselineDir: string;
  let dataRoot: string;
  const opened: Database[] = [];
  const options = () => ({ ...scratch.options, baselineDir });
  const open = async (dataDir: string) => {
    const database = await createDatabase(
      { kind: 'pglite', dataDir },
      { pgliteBaseline: () => readPgliteBaseline(options()) },
    );
    opened.push(database);
    return database;
  };
  const queryOf = (database: Database) => async (sql: string) =>
    (await database.prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql)) ?? [];

  beforeAll(async () => {
    scratch = await createScratchPrisma();
    baselineDir = await mkdtemp(join(tmpdir(), 'pglite-baseline-'));
    dataRoot = await mkdtemp(join(tmpdir(), 'pglite-baseline-data-'));
    await writePgliteBaseline(options());
  });

  afterAll(async () => {
    for (const database of opened) await database.close().catch(() => undefined);
    await scratch?.remove();
    await rm(baselineDir, { recursive: true, force: true });
    await rm(dataRoot, { recursive: true, force: true });
  });

  it('starts a fresh data directory migrated, as the migrations and function files make it', async () => {
    const database = await open(join(dataRoot, 'fresh'));
    const migrated = await PGlite.create();
    try {
      await applyMigrations({ kind: 'pglite', db: migrated }, scratch.options);
      const expected = await shapeOf(async (sql) => (await migrated.query<Record<string, unknown>>(sql)).rows);
      expect(await shapeOf(queryOf(database))).toEqual(expected);
    } finally {
      await migrated.close();
    }
    // Up to date: the start's deploy finds nothing to do, without the datamodel.
    const pglite = database.pglite;
    if (!pglite) throw new Error('an embedded database has its PGlite');
    await rm(scratch.schemaPath, { force: true });
    expect(await applyMigrations({ kind: 'pglite', db: pglite }, scratch.options)).toEqual({
      applied: [],
      functions: [],
    });
    await database.close();
  });

  it('never loads it over a data directory that holds a database', async () => {
    const dataDir = join(dataRoot, 'kept');
    const first = await open(dataDir);
    await first.prisma.$executeRawUnsafe('CREATE TABLE kept_marker (id int)');
    await first.close();
    const second = await open(dataDir);
    expect(await queryOf(second)("SELECT to_regclass('kept_marker')::text AS name")).toEqual([{ name: 'kept_marker' }]);
    await second.close();
  });

  it('is not used once the migrations or the function files changed', async () => {
    expect(await readPgliteBaseline(options())).toBeInstanceOf(Blob);
    await scratch.editFunction('spendable_lots', (sql) => `${sql}\n-- edited\n`);
    expect(await readPgliteBaseline(options())).toBeUndefined();
    await scratch.addMigration('99990101000000_later', 'CREATE TABLE "later" ("id" INTEGER);\n');
    expect(await readPgliteBaseline(options())).toBeUndefined();
    const database = await open(join(dataRoot, 'changed'));
    expect(await queryOf(database)("SELECT to_regclass('_prisma_migrations')::text AS name")).toEqual([{ name: null }]);
    await database.close();
  });
});
