import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  DEFAULT_FUNCTIONS_DIR,
  DEFAULT_MIGRATIONS_DIR,
  markMigrationRolledBack,
  MigrateError,
  migrationStatus,
} from '#prisma/migrate/index';
import { applyFunctionSources, postgresTransactions } from '#prisma/migrate/apply-function-sources';
import { readFunctionSources } from '#prisma/migrate/function-files';
import {
  createScratchDatabase,
  createScratchPrisma,
  MODEL_TABLES,
  withMarkedSpendableLots,
} from '#tests/prisma/migrate-fixtures';
import type { ScratchDatabase, ScratchPrisma } from '#tests/prisma/migrate-fixtures';

const BROKEN = '99990101000000_broken';

async function migrationNames(): Promise<string[]> {
  const entries = await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function functionNames(): Promise<string[]> {
  return (await readdir(DEFAULT_FUNCTIONS_DIR))
    .filter((name) => name.endsWith('.sql'))
    .map((name) => name.slice(0, -'.sql'.length))
    .sort();
}

/** What `_function_sources` records, and the body each sourced function has in the database. */
async function functionState(
  database: ScratchDatabase,
): Promise<{ name: string; sha256: string; appliedAt: string; body: string }[]> {
  const rows = await database.query(
    `SELECT f.name, f.sha256, f.applied_at::text AS applied_at, p.prosrc AS body
     FROM _function_sources AS f JOIN pg_proc AS p ON p.proname = f.name AND p.pronamespace = current_schema()::regnamespace
     ORDER BY f.name`,
  );
  return rows.map((row) => ({
    name: String(row['name']),
    sha256: String(row['sha256']),
    appliedAt: String(row['applied_at']),
    body: String(row['body']),
  }));
}

async function tablesIn(database: ScratchDatabase): Promise<string[]> {
  const rows = await database.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  return rows.map((row) => String(row['table_name']));
}

async function rejectionOf(promise: Promise<unknown>): Promise<MigrateError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MigrateError);
  return error as MigrateError;
}

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`applyMigrations on ${kind}`, () => {
    let database: ScratchDatabase;
    let scratch: ScratchPrisma;

    beforeEach(async () => {
      database = await createScratchDatabase(kind);
      scratch = await createScratchPrisma();
    });
    afterEach(async () => {
      await database.close();
      await scratch.remove();
    });

    it('migrates a fresh database and records each migration the way Prisma does', async () => {
      const names = await migrationNames();
      expect(names.length).toBeGreaterThan(0);

      const result = await applyMigrations(database.target);

      expect(result.applied).toEqual(names);
      expect(result.functions).toEqual(await functionNames());
      expect(await tablesIn(database)).toEqual(
        expect.arrayContaining([...MODEL_TABLES, '_prisma_migrations', '_function_sources']),
      );
      const rows = await database.query(
        'SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((row) => row['migration_name'])).toEqual(names);
      for (const row of rows) {
        const script = await readFile(join(DEFAULT_MIGRATIONS_DIR, String(row['migration_name']), 'migration.sql'));
        expect(row['checksum']).toBe(createHash('sha256').update(script).digest('hex'));
        expect(row['finished_at']).toBeInstanceOf(Date);
        expect(row['rolled_back_at']).toBeNull();
        expect(row['logs']).toBeNull();
        expect(row['applied_steps_count']).toBe(1);
      }
      expect(await migrationStatus(database.target)).toEqual({
        hasMigrationsTable: true,
        applied: names,
        pending: [],
        failed: [],
        edited: [],
        notInDirectory: [],
      });
    });

    it('applies nothing the second time', async () => {
      expect((await applyMigrations(database.target)).applied.length).toBeGreaterThan(0);
      expect(await applyMigrations(database.target)).toEqual({ applied: [], functions: [] });
      const rows = await database.query('SELECT count(*)::int AS n FROM _prisma_migrations');
      expect(rows[0]?.['n']).toBe((await migrationNames()).length);
    });

    it('checks an up-to-date database without the schema engine: the datamodel is not even read', async () => {
      await applyMigrations(database.target);
      await rm(scratch.schemaPath);
      expect(await applyMigrations(database.target, scratch.options)).toEqual({ applied: [], functions: [] });
    });

    it('still applies a pending migration and a changed function file after an up-to-date start', async () => {
      await applyMigrations(database.target);
      await scratch.addMigration('99990101000000_later', 'CREATE TABLE "later" ("id" INTEGER);\n');
      await scratch.editFunction('spendable_lots', (sql) => `${sql}\n-- edited\n`);
      expect(await applyMigrations(database.target, scratch.options)).toEqual({
        applied: ['99990101000000_later'],
        functions: ['spendable_lots'],
      });
      await scratch.editFunction('admit_generation', (sql) => `${sql}\n-- edited\n`);
      expect(await applyMigrations(database.target, scratch.options)).toEqual({
        applied: [],
        functions: ['admit_generation'],
      });
    });

    it('reports every migration pending on an empty database', async () => {
      const status = await migrationStatus(database.target);
      expect(status.hasMigrationsTable).toBe(false);
      expect(status.pending).toEqual(await migrationNames());
      expect(status.applied).toEqual([]);
    });

    it('applies each function file after the migrations, in place of what the migrations defined, and records its hash', async () => {
      await applyMigrations(database.target);

      const state = await functionState(database);
      expect(state.map((row) => row.name)).toEqual(await functionNames());
      for (const row of state) {
        const source = await readFile(join(DEFAULT_FUNCTIONS_DIR, `${row.name}.sql`));
        expect(row.sha256).toBe(createHash('sha256').update(source).digest('hex'));
      }
      // The file's admit_generation (a refusal reason, the open statuses as a parameter) replaced the
      // migrations' one: one function of that name, with the file's signature.
      expect(
        await database.query(
          "SELECT pg_get_function_result(oid) AS result, pronargs FROM pg_proc WHERE proname = 'admit_generation'",
        ),
      ).toEqual([{ result: expect.stringContaining('refusal text'), pronargs: 23 }]);
    });

    it('applies a changed function file on the next deploy, and an unchanged one never again', async () => {
      await applyMigrations(database.target, scratch.options);
      const before = await functionState(database);
      await scratch.editFunction('spendable_lots', withMarkedSpendableLots('edited once'));

      expect(await applyMigrations(database.target, scratch.options)).toEqual({
        applied: [],
        functions: ['spendable_lots'],
      });

      const after = await functionState(database);
      const changed = after.find((row) => row.name === 'spendable_lots');
      expect(changed?.body).toContain('-- edited once');
      expect(changed?.sha256).not.toBe(before.find((row) => row.name === 'spendable_lots')?.sha256);
      expect(after.filter((row) => row.name !== 'spendable_lots')).toEqual(
        before.filter((row) => row.name !== 'spendable_lots'),
      );
      expect(await applyMigrations(database.target, scratch.options)).toEqual({ applied: [], functions: [] });
      expect(await functionState(database)).toEqual(after);
    }, 90_000);

    it('keeps the applied definitions when a function file fails, and names the file with the database error', async () => {
      await applyMigrations(database.target, scratch.options);
      const before = await functionState(database);
      await scratch.editFunction('spendable_lots', withMarkedSpendableLots('edited'));
      await scratch.editFunction('reserve_credits_locked', (sql) =>
        sql.replace('RETURNS void', 'RETURNS no_such_type'),
      );

      const error = await rejectionOf(applyMigrations(database.target, scratch.options));

      expect(error.code).toBe('function_failed');
      expect(error.message).toContain('reserve_credits_locked.sql');
      expect(error.databaseError).toMatch(/^42704 type "no_such_type" does not exist/);
      expect(await functionState(database)).toEqual(before);
    }, 90_000);

    it('refuses a function file that does not define the function it is named after', async () => {
      await applyMigrations(database.target, scratch.options);
      await scratch.editFunction(
        'spendable_credits',
        () => 'CREATE OR REPLACE FUNCTION not_the_name() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n',
      );

      const error = await rejectionOf(applyMigrations(database.target, scratch.options));

      expect(error.code).toBe('function_failed');
      expect(error.message).toContain('spendable_credits.sql');
      expect(
        await database.query("SELECT proname FROM pg_proc WHERE proname IN ('not_the_name', 'spendable_credits')"),
      ).toEqual([]);
    }, 90_000);

    it('runs $$ bodies containing semicolons as written', async () => {
      await scratch.addMigration(
        '99990101000000_functions',
        [
          'CREATE TABLE "counters" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL);',
          'CREATE FUNCTION bump(counter TEXT) RETURNS INTEGER LANGUAGE plpgsql AS $$',
          'DECLARE result INTEGER;',
          'BEGIN',
          '  INSERT INTO "counters" VALUES (counter, 1) ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + 1',
          '  RETURNING "value" INTO result;',
          '  RETURN result;',
          'END;',
          '$$;',
          "DO $body$ BEGIN PERFORM bump('seeded'); PERFORM bump('seeded'); END $body$;",
          '',
        ].join('\n'),
      );

      const result = await applyMigrations(database.target, {
        migrationsDir: scratch.migrationsDir,
        schemaPath: scratch.schemaPath,
      });

      expect(result.applied).toContain('99990101000000_functions');
      expect(await database.query("SELECT bump('seeded') AS value")).toEqual([{ value: 3 }]);
    });

    it('rolls a failing migration back whole and names it with the database error', async () => {
      await scratch.addMigration(
        BROKEN,
        'CREATE TABLE "broken_first" ("id" INTEGER);\nINSERT INTO "broken_first" VALUES (1);\nSELECT * FROM "no_such_table";\nCREATE TABLE "broken_last" ("id" INTEGER);\n',
      );
      const options = { migrationsDir: scratch.migrationsDir, schemaPath: scratch.schemaPath };

      const error = await rejectionOf(applyMigrations(database.target, options));

      expect(error.code).toBe('migration_failed');
      expect(error.migrationName).toBe(BROKEN);
      expect(error.message).toContain(BROKEN);
      expect(error.databaseError).toMatch(/^42P01 relation "no_such_table" does not exist \(line 3\)/);
      const tables = await tablesIn(database);
      expect(tables).toEqual(expect.arrayContaining(MODEL_TABLES));
      expect(tables).not.toContain('broken_first');
      expect(tables).not.toContain('broken_last');
      const status = await migrationStatus(database.target, options);
      expect(status.failed).toEqual([BROKEN]);
      expect(status.applied).toEqual(await migrationNames());

      const blocked = await rejectionOf(applyMigrations(database.target, options));
      expect(blocked.code).toBe('failed_migration_recorded');
      expect(blocked.migrationName).toBe(BROKEN);

      await scratch.removeMigration(BROKEN);
      await scratch.addMigration(BROKEN, 'CREATE TABLE "broken_first" ("id" INTEGER);\n');
      await markMigrationRolledBack(database.target, BROKEN, options);
      // The failed deploys stopped before the function files: this one applies them too.
      expect(await applyMigrations(database.target, options)).toEqual({
        applied: [BROKEN],
        functions: await functionNames(),
      });
      expect(await tablesIn(database)).toContain('broken_first');
    });

    it('rolls back a failing migration whose $$ body holds semicolons', async () => {
      await scratch.addMigration(
        BROKEN,
        [
          'CREATE TABLE "audit_copy" ("id" BIGINT);',
          'CREATE FUNCTION copy_audit() RETURNS TRIGGER LANGUAGE plpgsql AS $$',
          'BEGIN',
          '  INSERT INTO "audit_copy" VALUES (NEW."id");',
          '  RETURN NEW;',
          'END;',
          '$$;',
          'CREATE TRIGGER "audit_copy" AFTER INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION copy_audit();',
          'ALTER TABLE "audit_log" ADD COLUMN "actor" TEXT;',
          '',
        ].join('\n'),
      );

      const error = await rejectionOf(
        applyMigrations(database.target, { migrationsDir: scratch.migrationsDir, schemaPath: scratch.schemaPath }),
      );

      expect(error.code).toBe('migration_failed');
      expect(error.migrationName).toBe(BROKEN);
      // PostgreSQL gives no position for DDL errors, so no line here.
      expect(error.databaseError).toBe('42701 column "actor" of relation "audit_log" already exists');
      expect(await tablesIn(database)).not.toContain('audit_copy');
      expect(await database.query("SELECT proname FROM pg_proc WHERE proname = 'copy_audit'")).toEqual([]);
      expect(await database.query("SELECT tgname FROM pg_trigger WHERE tgname = 'audit_copy'")).toEqual([]);
    });
  });
}

describe('applyMigrations from several processes at once', () => {
  let database: ScratchDatabase;
  beforeEach(async () => {
    database = await createScratchDatabase('postgres');
  });
  afterEach(async () => {
    await database.close();
  });

  it('applies each migration and each function file once: the engine and the function step serialize on one advisory lock', async () => {
    const results = await Promise.all([
      applyMigrations(database.target),
      applyMigrations(database.target),
      applyMigrations(database.target),
    ]);

    expect(results.flatMap((result) => result.applied)).toEqual(await migrationNames());
    expect(results.flatMap((result) => result.functions)).toEqual(await functionNames());
    expect(await database.query('SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([
      { n: (await migrationNames()).length },
    ]);
    expect(
      await database.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      ),
    ).toEqual([{ n: 0 }]);
  });

  // Deploys run the engine first, whose own lock gives up after 10 s: on a loaded machine three
  // whole deploys at once can time out there. The function step is what this is about, so three of
  // it run at once, as three deploys' steps would.
  it('applies a changed function file once when three deploys reach the function step at once', async () => {
    const scratch = await createScratchPrisma();
    try {
      await applyMigrations(database.target, scratch.options);
      await scratch.editFunction('spendable_lots', withMarkedSpendableLots('edited concurrently'));
      const sources = await readFunctionSources(scratch.functionsDir);
      const url = database.target.kind === 'postgres' ? database.target.url : '';

      const results = await Promise.all([1, 2, 3].map(() => applyFunctionSources(postgresTransactions(url), sources)));

      expect(results.flat()).toEqual(['spendable_lots']);
      expect((await functionState(database)).find((row) => row.name === 'spendable_lots')?.body).toContain(
        '-- edited concurrently',
      );
      expect(await applyMigrations(database.target, scratch.options)).toEqual({ applied: [], functions: [] });
    } finally {
      await scratch.remove();
    }
  }, 90_000);
});
