import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyMigrations, checkMigrations, DEFAULT_FUNCTIONS_DIR, MigrateError } from '#prisma/migrate/index';
import {
  createScratchDatabase,
  createScratchPrisma,
  withMarkedSpendableLots,
  withNicknameColumn,
} from '#tests/prisma/migrate-fixtures';
import type { ScratchDatabase, ScratchPrisma } from '#tests/prisma/migrate-fixtures';

const ADD_NICKNAME = '99990101000000_add_nickname';
const ADD_NICKNAME_SQL = 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n';

describe('checkMigrations', () => {
  let scratch: ScratchPrisma;
  beforeEach(async () => {
    scratch = await createScratchPrisma();
  });
  afterEach(async () => {
    await scratch.remove();
  });
  const options = () => scratch.options;

  it("finds this repository's schema and migrations in sync without a database server", async () => {
    expect(await checkMigrations()).toEqual({ inSync: true });
  });

  it('catches a column added to the schema without a migration', async () => {
    await scratch.editSchema(withNicknameColumn);

    const result = await checkMigrations(undefined, options());

    expect(result.inSync).toBe(false);
    expect(result.diffSql).toContain('ALTER TABLE "users" ADD COLUMN     "nickname" TEXT;');
  });

  it('catches a migration missing from the directory', async () => {
    await scratch.editSchema(withNicknameColumn);
    await scratch.addMigration(ADD_NICKNAME, ADD_NICKNAME_SQL);
    expect(await checkMigrations(undefined, options())).toEqual({ inSync: true });

    await scratch.removeMigration(ADD_NICKNAME);
    const result = await checkMigrations(undefined, options());

    expect(result.inSync).toBe(false);
    expect(result.diffSql).toContain('"nickname" TEXT');
  });

  it('names a migration that does not apply to an empty database', async () => {
    await scratch.addMigration(ADD_NICKNAME, 'ALTER TABLE "no_such_table" ADD COLUMN "nickname" TEXT;\n');

    const error = await checkMigrations(undefined, options()).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(MigrateError);
    expect(error).toMatchObject({ code: 'shadow_apply_failed', migrationName: ADD_NICKNAME });
    expect((error as MigrateError).message).toContain('42P01 relation "no_such_table" does not exist');
  });

  it('refuses a migration that re-creates a function whose home is a function file', async () => {
    const pasted = await readFile(join(DEFAULT_FUNCTIONS_DIR, 'spendable_lots.sql'), 'utf8');
    await scratch.addMigration('99990101000000_repaste', `ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n${pasted}`);
    await scratch.editSchema(withNicknameColumn);

    const result = await checkMigrations(undefined, options());

    expect(result.inSync).toBe(false);
    expect(result.diffSql).toBeUndefined();
    expect(result.functionProblems).toEqual([
      'migration 99990101000000_repaste re-creates spendable_lots: edit prisma/functions/spendable_lots.sql instead (deploy applies it)',
    ]);
  });

  it('names a function file that does not apply to a freshly migrated database', async () => {
    await scratch.editFunction('spendable_lots', (sql) => sql.replace('FROM credit_lots', 'FROM no_such_lots'));

    const error = await checkMigrations(undefined, options()).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(MigrateError);
    expect(error).toMatchObject({ code: 'function_failed' });
    expect((error as MigrateError).message).toContain('spendable_lots.sql');
    expect((error as MigrateError).message).toContain('42P01 relation "no_such_lots" does not exist');
  });

  describe('with a PostgreSQL shadow database', () => {
    let database: ScratchDatabase;
    beforeEach(async () => {
      database = await createScratchDatabase('postgres');
    });
    afterEach(async () => {
      await database.close();
    });

    it('agrees with the PGlite check and drops its shadow database', async () => {
      expect(await checkMigrations(database.target, options())).toEqual({ inSync: true });
      await scratch.editSchema(withNicknameColumn);
      const result = await checkMigrations(database.target, options());
      expect(result.inSync).toBe(false);
      expect(result.diffSql).toContain('"nickname" TEXT');

      const [own] = await database.query('SELECT current_database() AS name');
      const leftovers = await database.query("SELECT datname FROM pg_database WHERE datname LIKE $1 || '_shadow_%'", [
        own?.['name'],
      ]);
      expect(leftovers).toEqual([]);
      expect(
        await database.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"),
      ).toEqual([]);
    });

    it('catches a function edited in the deployed database, and a function file not deployed yet', async () => {
      await applyMigrations(database.target, options());
      expect(await checkMigrations(database.target, options())).toEqual({ inSync: true });

      const file = await readFile(join(scratch.functionsDir, 'spendable_lots.sql'), 'utf8');
      await database.query(withMarkedSpendableLots('edited by hand')(file));
      await scratch.editFunction('reserve_credits_locked', (sql) =>
        sql.replace('take int;', 'take int; -- edited in the file'),
      );
      const result = await checkMigrations(database.target, options());

      expect(result.inSync).toBe(false);
      expect(result.functionProblems).toEqual([
        'reserve_credits_locked in the database differs from prisma/functions/reserve_credits_locked.sql: deploy applies the file when it changed; after an edit in the database, delete its row from _function_sources and deploy',
        'spendable_lots in the database differs from prisma/functions/spendable_lots.sql: deploy applies the file when it changed; after an edit in the database, delete its row from _function_sources and deploy',
      ]);
    });
  });
});
