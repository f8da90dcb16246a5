import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FUNCTIONS_DIR, DEFAULT_MIGRATIONS_DIR } from '#prisma/migrate/index';
import { createScratchDatabase, createScratchPrisma, withNicknameColumn } from '#tests/prisma/migrate-fixtures';
import type { ScratchDatabase, ScratchPrisma } from '#tests/prisma/migrate-fixtures';

const CLI = fileURLToPath(new URL('../../prisma/migrate/cli.ts', import.meta.url));
// Nothing listens here: proves a command did not need the server it was not supposed to use.
const UNREACHABLE_URL = 'postgresql://postgres@127.0.0.1:1/nowhere';

type CliRun = { code: number; stdout: string; stderr: string };

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { DATABASE_URL: _url, DATA_DIR: _dataDir, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The project's migrations, oldest first, as deploy lists them ("Applied a, b (…)"). */
async function migrationNames(): Promise<string[]> {
  return (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe('prisma/migrate/cli.ts', () => {
  let scratch: ScratchPrisma;
  beforeEach(async () => {
    scratch = await createScratchPrisma();
  });
  afterEach(async () => {
    await scratch.remove();
  });
  const paths = () => [
    '--schema',
    scratch.schemaPath,
    '--migrations',
    scratch.migrationsDir,
    '--functions',
    scratch.functionsDir,
  ];

  it('check passes on this repository without any database server', async () => {
    const run = await runCli(['check'], { DATABASE_URL: UNREACHABLE_URL });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^schema\.prisma, the migrations and the function files agree \(\d+\.\d s\)\n$/);
  });

  it('check exits 2 and prints the SQL when the schema drifted', async () => {
    await scratch.editSchema(withNicknameColumn);
    const run = await runCli(['check', ...paths()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('schema.prisma and the migrations differ');
    expect(run.stdout).toContain('ALTER TABLE "users" ADD COLUMN     "nickname" TEXT;');
  });

  it('check exits 2 and names a migration that re-creates a function of prisma/functions', async () => {
    await scratch.addMigration(
      '99990101000000_repaste',
      await readFile(join(scratch.functionsDir, 'spendable_lots.sql'), 'utf8'),
    );
    const run = await runCli(['check', ...paths()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      'function: migration 99990101000000_repaste re-creates spendable_lots: edit prisma/functions/spendable_lots.sql instead',
    );
  });

  it('prints usage and fails without a command', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Usage: tsx prisma/migrate/cli.ts <command>');
  });

  describe('on PostgreSQL', () => {
    let database: ScratchDatabase;
    beforeEach(async () => {
      database = await createScratchDatabase('postgres');
    });
    afterEach(async () => {
      await database.close();
    });
    const url = () => (database.target.kind === 'postgres' ? database.target.url : '');

    it('deploy applies to DATABASE_URL, status reports it, a second deploy has nothing to do', async () => {
      const names = await migrationNames();
      const functions = (await readdir(DEFAULT_FUNCTIONS_DIR)).map((file) => file.replace(/\.sql$/, '')).sort();
      expect(await runCli(['deploy'], { DATABASE_URL: url() })).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(
          new RegExp(`^Applied ${names.join(', ')}; functions ${functions.join(', ')} \\(`),
        ),
      });
      expect(await runCli(['status', '--url', url()])).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`${names.length} applied, 0 pending, 0 failed`),
      });
      expect(await runCli(['deploy', '--url', url()], { DATABASE_URL: UNREACHABLE_URL })).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(/^No pending migrations/),
      });
    });

    it('new writes and applies a migration for a schema change', async () => {
      await scratch.editSchema(withNicknameColumn);
      const run = await runCli(['new', 'add', 'nickname', ...paths()], { DATABASE_URL: url() });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^Created .*\/migrations\/\d{14}_add_nickname\/migration\.sql\nApplied \d{14}_init, (\d{14}_\w+, )*\d{14}_add_nickname \(/,
      );
      expect(
        await database.query(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'",
        ),
      ).toHaveLength(1);
    });

    it('deploy names a failing migration and exits 1; resolve lets the fixed one run', async () => {
      await scratch.addMigration('99990101000000_broken', 'CREATE TABLE "half" ("id" INTEGER);\nSELEC 1;\n');
      const failed = await runCli(['deploy', '--url', url(), ...paths()]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('migration_failed: Migration 99990101000000_broken failed and was rolled back');
      expect(failed.stderr).toContain('42601 syntax error at or near "SELEC" (line 2)');

      await scratch.removeMigration('99990101000000_broken');
      await scratch.addMigration('99990101000000_broken', 'CREATE TABLE "half" ("id" INTEGER);\n');
      expect(
        await runCli(['resolve', '--rolled-back', '99990101000000_broken', '--url', url(), ...paths()]),
      ).toMatchObject({ code: 0 });
      expect(await runCli(['deploy', '--url', url(), ...paths()])).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('Applied 99990101000000_broken'),
      });
    });
  });

  describe('on the embedded PGlite database', () => {
    let dataDir: string;
    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'migrate-cli-data-'));
    });
    afterEach(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('deploy migrates ${DATA_DIR}/pglite when no URL is set, and the data stays there', async () => {
      const names = await migrationNames();
      expect(await runCli(['deploy'], { DATA_DIR: dataDir })).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`Applied ${names.join(', ')}`),
      });
      expect(await readdir(join(dataDir, 'pglite'))).toContain('PG_VERSION');
      expect(await runCli(['status'], { DATA_DIR: dataDir })).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`${names.length} applied, 0 pending`),
      });
    });
  });
});
