import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { freePort } from '#tests/support/free-port';
import { spawnWithOutput, type SpawnedWithOutput } from '#tests/support/spawn-with-output';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Starts the service as `npm start` and the container do: one node process running main.ts. */
function start(env: Record<string, string>): SpawnedWithOutput {
  return spawnWithOutput(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: ROOT, env });
}

type AdminRun = { code: number | null; stdout: string; stderr: string };

/** Runs `npm run admin -- <args>` the way the script does, with only `env` set. */
async function admin(args: string[], env: Record<string, string>): Promise<AdminRun> {
  const run = spawn(process.execPath, ['--import', 'tsx', 'core/admin/admin-cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  run.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
  return { code, stdout, stderr };
}

/** Walks a new Telegram user through /start, the terms and the age check: 10 free credits. */
async function onboard(telegram: FakeTelegram, chatId: number): Promise<void> {
  const buttonOf = (call: { params: unknown }) =>
    (
      call.params as { reply_markup: { inline_keyboard: { callback_data: string }[][] } }
    ).reply_markup.inline_keyboard.flat()[0]!.callback_data;
  const toChat = (text: string) => (call: { params: unknown }) =>
    (call.params as { chat_id?: unknown }).chat_id === chatId && JSON.stringify(call.params).includes(text);
  telegram.pushUpdate(telegram.messageUpdate({ chatId, fromId: chatId, text: '/start' }));
  const terms = await telegram.waitForCall('sendMessage', toChat('I accept'), 20_000);
  telegram.pushUpdate(telegram.callbackUpdate({ chatId, fromId: chatId, data: buttonOf(terms), messageId: 1 }));
  const age = await telegram.waitForCall('sendMessage', toChat('or older'), 20_000);
  telegram.pushUpdate(telegram.callbackUpdate({ chatId, fromId: chatId, data: buttonOf(age), messageId: 2 }));
  await telegram.waitForCall('sendMessage', toChat('free credits'), 20_000);
}

/** Sends /balance in the chat and returns the answer's text. */
async function chatBalance(telegram: FakeTelegram, chatId: number): Promise<string> {
  const earlier = new Set(telegram.callsOf('sendMessage'));
  telegram.pushUpdate(telegram.messageUpdate({ chatId, fromId: chatId, text: '/balance' }));
  const answer = await telegram.waitForCall(
    'sendMessage',
    (call) => !earlier.has(call) && JSON.stringify(call.params).includes('Balance:'),
    20_000,
  );
  return (answer.params as { text: string }).text;
}

/**
 * A new DATA_DIR whose embedded database is already migrated: a copy of the run's migrated PGlite
 * template. The first start's migrations are the first test's subject; the others need not pay them.
 */
async function migratedDataDir(): Promise<string> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-start-'));
  const pglite = await PGlite.create({
    dataDir: path.join(dataDir, 'pglite'),
    loadDataDir: new Blob([await fs.readFile(inject('pgliteTemplateFile'))]),
  });
  await pglite.close();
  return dataDir;
}

async function waitForHealth(port: number, deadlineMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no /healthz within ${deadlineMs} ms`);
}

/** Waits until the process has printed `text`; fails naming it after `deadlineMs`. */
async function waitForOutput(output: () => string, text: string, deadlineMs: number): Promise<void> {
  const started = Date.now();
  while (!output().includes(text)) {
    if (Date.now() - started > deadlineMs) throw new Error(`no "${text}" within ${deadlineMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm start (main.ts)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  // Start-up time is measured by `npm run bench`, side by side with its baseline; here a generous
  // deadline only tells a start that never gets ready from one slowed by the machine's load.
  it('runs embedded with no settings, answers /healthz, drains on SIGTERM and keeps its data across restarts', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };

    const first = start(env);
    await waitForHealth(port, 60_000);
    const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
    expect(ready).toEqual({ isReady: true, database: true });
    // The web answers as soon as it listens; "ready" is said once every role of the process has started.
    await waitForOutput(first.output, `ready: http://localhost:${port}`, 30_000);
    expect(first.output()).toContain(
      'HOST=0.0.0.0 listens beyond this machine while SESSION_SECRET is the development value',
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('embedded database migrated');

    const pglite = await PGlite.create(path.join(dataDir, 'pglite'));
    await pglite.query(
      `INSERT INTO users (id, locale, "updatedAt") VALUES ('0190f0f0-0000-7000-8000-000000000001', 'en', now())`,
    );
    await pglite.close();

    const second = start(env);
    await waitForHealth(port, 60_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toContain('embedded database migrated');

    const reopened = await PGlite.create(path.join(dataDir, 'pglite'));
    const users = await reopened.query<{ count: number }>('SELECT count(*)::int AS count FROM users');
    const templates = await reopened.query<{ count: number }>('SELECT count(*)::int AS count FROM templates');
    await reopened.close();
    expect(users.rows[0]?.count).toBe(1);
    expect(templates.rows[0]?.count).toBeGreaterThanOrEqual(12);
  }, 180_000);

  it('refuses to start on bad variables, naming each', async () => {
    const run = start({ PORT: 'abc', DATABASE_URL: 'nonsense' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PORT: must be a whole number');
    expect(run.output()).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    const production = start({
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      PUBLIC_URL: 'https://imagine.example.com',
      DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
    });
    expect(await production.exited).toBe(1);
    expect(production.output()).toContain('METRICS_TOKEN: is required in production');
  }, 60_000);

  it('runs the Telegram bot with only TELEGRAM_BOT_TOKEN set: terms, /imagine, a picture back', async () => {
    const telegram = await startFakeTelegram({ token: '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345' });
    const dataDir = await migratedDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const run = start({
      DATA_DIR: dataDir,
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345',
      TELEGRAM_API_ROOT: telegram.apiRoot,
    });
    try {
      await waitForHealth(port, 30_000);
      await telegram.waitForCall('getUpdates', undefined, 20_000);
      expect(telegram.callsOf('setMyCommands').length).toBeGreaterThanOrEqual(2);
      telegram.pushUpdate(telegram.messageUpdate({ chatId: 42, fromId: 42, text: '/start' }));
      const terms = await telegram.waitForCall(
        'sendMessage',
        (call) => JSON.stringify(call.params).includes('I accept'),
        20_000,
      );
      const accept = (
        terms.params as { reply_markup: { inline_keyboard: { callback_data: string }[][] } }
      ).reply_markup.inline_keyboard.flat()[0]!.callback_data;
      telegram.pushUpdate(telegram.callbackUpdate({ chatId: 42, fromId: 42, data: accept, messageId: 1 }));
      const age = await telegram.waitForCall(
        'sendMessage',
        (call) => JSON.stringify(call.params).includes('or older'),
        20_000,
      );
      const confirm = (
        age.params as { reply_markup: { inline_keyboard: { callback_data: string }[][] } }
      ).reply_markup.inline_keyboard.flat()[0]!.callback_data;
      telegram.pushUpdate(telegram.callbackUpdate({ chatId: 42, fromId: 42, data: confirm, messageId: 2 }));
      await telegram.waitForCall('sendMessage', (call) => JSON.stringify(call.params).includes('free credits'), 20_000);
      telegram.pushUpdate(telegram.messageUpdate({ chatId: 42, fromId: 42, text: '/imagine a fox in the snow' }));
      const photo = await telegram.waitForCall('sendPhoto', undefined, 30_000);
      const png = photo.files[0]!.bytes;
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await telegram.close();
    }
  }, 120_000);

  it('one process owns the embedded database: a second start is refused naming it, admin commands run inside it, nothing is lost', async () => {
    const token = '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345';
    const telegram = await startFakeTelegram({ token });
    const dataDir = await migratedDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
    };
    const cli = { DATA_DIR: dataDir };
    const first = start(env);
    try {
      await waitForHealth(port, 90_000);
      await onboard(telegram, 42);

      const second = start({ ...env, PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(
        `The embedded database is in use by pid ${first.child.pid} on host ${os.hostname()}`,
      );
      expect(second.output()).toMatch(/started \d{4}-\d\d-\d\dT[^,]+, command: \S*node --import tsx \S*main\.ts/);

      const grant = await admin(['grant', 'telegram:42', '25', '--reason', 'ticket 1', '--key', 'ticket-1'], cli);
      expect([grant.code, grant.stderr]).toEqual([0, '']);
      expect(grant.stdout).toContain('balance: 35 available, 0 reserved, 0 owed');
      expect(await chatBalance(telegram, 42)).toContain('Balance: 35 credits.');
      const usage = await admin(['grant', 'telegram:42', 'lots', '--reason', 'x'], cli);
      expect([usage.code, usage.stderr]).toEqual([
        2,
        'credits must be a positive whole number, got lots\nRun npm run admin -- --help for the commands.\n',
      ]);
      const missing = await admin(['balance', 'telegram:999', '--json'], cli);
      expect([missing.code, JSON.parse(missing.stdout)]).toEqual([
        1,
        { error: { code: 'not_found', message: 'no user matches telegram:999' } },
      ]);
      expect((await fs.stat(path.join(dataDir, 'run'))).mode & 0o777).toBe(0o700);
      expect((await fs.stat(path.join(dataDir, 'run/admin.sock'))).mode & 0o777).toBe(0o600);
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }
    await expect(fs.stat(path.join(dataDir, 'pglite.lock'))).rejects.toThrow(/ENOENT/);

    // No server: the CLI opens the database itself; the grant made through the server is there.
    const replay = await admin(['grant', 'telegram:42', '25', '--reason', 'ticket 1', '--key', 'ticket-1'], cli);
    expect(replay.stdout).toContain('Nothing changed: key ticket-1 was already used for a grant.');
    expect(replay.stdout).toContain('balance: 35 available');

    const again = start(env);
    try {
      await waitForHealth(port, 90_000);
      expect(await chatBalance(telegram, 42)).toContain('Balance: 35 credits.');
      const more = await admin(['grant', 'telegram:42', '5', '--reason', 'ticket 2', '--json'], cli);
      expect(more.code).toBe(0);
      expect(JSON.parse(more.stdout)).toMatchObject({ applied: true, balance: { available: 40 } });
      expect(await chatBalance(telegram, 42)).toContain('Balance: 40 credits.');
    } finally {
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
      await telegram.close();
    }
  }, 400_000);

  it('npm start is one service: SIGTERM to npm, or Ctrl-C to the group, drains it and leaves no process and no lock', async () => {
    const dataDir = await migratedDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const metricsPort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      npm_config_update_notifier: 'false',
    };
    const groupIsGone = async (group: number, withinMs: number) => {
      const started = Date.now();
      while (Date.now() - started < withinMs) {
        try {
          process.kill(-group, 0);
        } catch {
          return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    for (const stop of ['SIGTERM to npm', 'SIGINT to the group'] as const) {
      const npm = spawn('npm', ['start'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
      const group = npm.pid as number;
      try {
        await waitForHealth(port, 90_000);
        expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 'with METRICS_PORT, not on the web port').toBe(
          404,
        );
        expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
        if (stop === 'SIGTERM to npm') process.kill(group, 'SIGTERM');
        else process.kill(-group, 'SIGINT');
        expect(await groupIsGone(group, 10_000), `${stop}: processes left in the group; output:\n${output}`).toBe(true);
        expect(await exited).toBe(0);
        expect(output).toContain('"msg":"stopped"');
        expect(output).not.toContain('second signal');
        await expect(fs.stat(path.join(dataDir, 'pglite.lock'))).rejects.toThrow(/ENOENT/);
        expect(
          await fetch(`http://127.0.0.1:${port}/healthz`).then(
            () => 'answered',
            () => 'closed',
          ),
        ).toBe('closed');
      } finally {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // Already gone, as it should be.
        }
      }
    }
  }, 400_000);

  it('refuses to start with S3_BUCKET and a malformed S3_ENDPOINT, or with no S3 credentials anywhere, naming the variables', async () => {
    const badEndpoint = start({
      S3_BUCKET: 'imagine-media',
      S3_ENDPOINT: 'minio:9000',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    });
    expect(await badEndpoint.exited).toBe(1);
    expect(badEndpoint.output()).toContain('S3_ENDPOINT: must be an http(s) URL');
    // No keys and no AWS credentials in the environment, a profile or instance metadata.
    const noCredentials = start({
      S3_BUCKET: 'imagine-media',
      S3_ENDPOINT: 'http://127.0.0.1:1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
    });
    expect(await noCredentials.exited).toBe(1);
    expect(noCredentials.output()).toContain(
      'S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: S3_BUCKET=imagine-media is set but no credentials were found',
    );
    expect(noCredentials.output(), 'an operator reads the problem, not a stack trace').not.toMatch(/^\s+at /m);
  }, 60_000);
});
