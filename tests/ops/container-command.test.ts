import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord } from '#tests/fakes/discord-api';
import { startFakeTelegram } from '#tests/fakes/telegram-bot-api';
import { readCompose, ROOT } from '#tests/ops/compose';
import { execForm, healthcheckCommand, parseDockerfile } from '#tests/ops/dockerfile';
import { postgresUrlFor, runAdminSql } from '#tests/support/postgres-admin';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';
import { freePort } from '#tests/support/free-port';
import { spawnWithOutput, type SpawnedWithOutput } from '#tests/support/spawn-with-output';

const runtime = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).at(-1);
const CMD = execForm(runtime?.instructions.find((step) => step.keyword === 'CMD')?.args ?? '') ?? [];
const HEALTHCHECK =
  healthcheckCommand(runtime?.instructions.find((step) => step.keyword === 'HEALTHCHECK')?.args ?? '').argv ?? [];

/** Runs an argv the way the container would (`node` is this test's node), with only `env`. */
function run(argv: string[], env: Record<string, string>): SpawnedWithOutput {
  const [command = '', ...args] = argv;
  return spawnWithOutput(command === 'node' ? process.execPath : command, args, {
    cwd: ROOT,
    env: { HOME: os.tmpdir(), ...env },
  });
}

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === pid ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });
}

describe("the image's commands, run as the container runs them", { timeout: 90_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    // The image runs the compiled build; make it from the code under test, as the image's build stage does.
    const build = run([process.execPath, '.config/build.mjs', '--no-check'], { PATH: process.env.PATH ?? '' });
    expect(await build.exited, build.output()).toBe(0);
  }, 180_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('CMD starts the web role as one node process, passes the HEALTHCHECK, and drains on SIGTERM to exit 0', async () => {
    expect(CMD.length).toBeGreaterThan(0);
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.close());
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imagine-cmd-'));
    cleanups.push(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url ?? '',
      ROLES: 'web',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTO_MIGRATE: 'false',
      SESSION_SECRET: randomBytes(24).toString('hex'),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      METRICS_TOKEN: randomBytes(16).toString('hex'),
    };
    const app = run(CMD, env);
    cleanups.push(async () => {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    });
    const healthcheck = () => run(HEALTHCHECK, { PORT: String(port) }).exited;

    const deadline = Date.now() + 45_000;
    let healthy = false;
    while (!healthy && Date.now() < deadline && app.child.exitCode === null) {
      healthy = (await healthcheck()) === 0;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(healthy, app.output()).toBe(true);
    const pid = app.child.pid ?? 0;
    const entry = CMD.at(-1) ?? '';
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(entry);
    // npm (or a loader's CLI) would run the entry in a child process.
    const appChildren = childrenOf(pid).filter((child) =>
      fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').includes(entry),
    );
    expect(appChildren, 'the signalled process must be the node running the entry, not a wrapper around it').toEqual(
      [],
    );
    const loaders = childrenOf(pid).filter((child) =>
      fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('esbuild'),
    );
    expect(loaders, 'no TypeScript loader (tsx starts an esbuild service) at run time').toEqual([]);

    app.child.kill('SIGTERM');
    expect(await app.exited, app.output()).toBe(0);
    expect(app.output()).toContain('"msg":"draining"');
    expect(app.output()).toContain('"msg":"stopped"');
    expect(await healthcheck()).toBe(1);
  });

  it('CMD starts each bot role of the bundled build: it gets ready and reaches its platform', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.close());
    const telegram = await startFakeTelegram();
    const discord = await startFakeDiscord({ token: 'container-command-discord-token' });
    cleanups.push(
      () => telegram.close(),
      () => discord.close(),
    );
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imagine-cmd-bots-'));
    cleanups.push(() => fsp.rm(dataDir, { recursive: true, force: true }));
    const env = (role: string) => ({
      NODE_ENV: 'production',
      DATABASE_URL: database.url ?? '',
      ROLES: role,
      DATA_DIR: path.join(dataDir, role),
      AUTO_MIGRATE: 'false',
      SESSION_SECRET: randomBytes(24).toString('hex'),
      PUBLIC_URL: 'http://127.0.0.1:9',
      METRICS_TOKEN: randomBytes(16).toString('hex'),
      TELEGRAM_BOT_TOKEN: '7000000031:AAContainerCommandBotToken00001',
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_TOKEN: 'container-command-discord-token',
      DISCORD_APPLICATION_ID: discord.application.id,
      DISCORD_API_URL: discord.restUrl,
    });
    for (const role of ['telegram', 'discord']) {
      const bot = run(CMD, env(role));
      cleanups.push(async () => {
        if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
      });
      const deadline = Date.now() + 45_000;
      while (!/"msg":"ready/.test(bot.output()) && Date.now() < deadline && bot.child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(bot.output(), `${role}: ready`).toMatch(/"msg":"ready/);
      bot.child.kill('SIGTERM');
      expect(await bot.exited, bot.output()).toBe(0);
    }
    expect(telegram.calls.map((call) => call.method)).toContain('getUpdates');
    expect(discord.requests.length).toBeGreaterThan(0);
  });

  it("the migrate service's command migrates an empty database", async () => {
    const command = readCompose().services.migrate?.command;
    expect(Array.isArray(command)).toBe(true);
    const name = `imagine_ops_${randomBytes(5).toString('hex')}`;
    await runAdminSql(`CREATE DATABASE "${name}"`);
    cleanups.push(() => runAdminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

    const migrate = run(command as string[], { DATABASE_URL: postgresUrlFor(name) });
    expect(await migrate.exited, migrate.output()).toBe(0);
    expect(migrate.output()).toMatch(/Applied \d{14}_/);
    // The build carries prisma/functions: the compiled deploy applies the function files too.
    expect(migrate.output()).toMatch(/; functions admit_generation, /);
    const client = new pg.Client({ connectionString: postgresUrlFor(name) });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(
        expect.arrayContaining(['users', 'credit_ledger', 'audit_log', 'generations']),
      );
    } finally {
      await client.end();
    }
    const again = run(command as string[], { DATABASE_URL: postgresUrlFor(name) });
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('No pending migrations');
  });
});
