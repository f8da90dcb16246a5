import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '#tests/fakes/telegram-bot-api';
import { freePort } from '#tests/support/free-port';
import { spawnWithOutput, type SpawnedWithOutput } from '#tests/support/spawn-with-output';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function start(env: Record<string, string>): SpawnedWithOutput {
  return spawnWithOutput(TSX, ['main.ts'], { cwd: ROOT, env });
}

async function waitForHealth(port: number, deadlineMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false);
    if (ok) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no /healthz within ${deadlineMs} ms`);
}

describe('npm start (main.ts)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs embedded with no settings, answers /healthz within 20 s, drains on SIGTERM and keeps its data across restarts', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };

    const first = start(env);
    const tookMs = await waitForHealth(port, 20_000);
    expect(tookMs).toBeLessThan(20_000);
    const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
    expect(ready).toEqual({ isReady: true, database: true });
    expect(first.output()).toContain(`ready: http://localhost:${port}`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('embedded database migrated');

    const pglite = await PGlite.create(path.join(dataDir, 'pglite'));
    await pglite.query(`INSERT INTO users (id, locale, "updatedAt") VALUES ('0190f0f0-0000-7000-8000-000000000001', 'en', now())`);
    await pglite.close();

    const second = start(env);
    await waitForHealth(port, 20_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toContain('embedded database migrated');

    const reopened = await PGlite.create(path.join(dataDir, 'pglite'));
    const users = await reopened.query<{ count: number }>('SELECT count(*)::int AS count FROM users');
    const templates = await reopened.query<{ count: number }>('SELECT count(*)::int AS count FROM templates');
    await reopened.close();
    expect(users.rows[0]?.count).toBe(1);
    expect(templates.rows[0]?.count).toBeGreaterThanOrEqual(12);
  }, 90_000);

  it('refuses to start on bad variables, naming each', async () => {
    const run = start({ PORT: 'abc', DATABASE_URL: 'nonsense' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PORT: must be a whole number');
    expect(run.output()).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }, 30_000);

  it('runs the Telegram bot with only TELEGRAM_BOT_TOKEN set: terms, /imagine, a picture back', async () => {
    const telegram = await startFakeTelegram({ token: '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345' });
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const run = start({ DATA_DIR: dataDir, PORT: String(port), TELEGRAM_BOT_TOKEN: '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345', TELEGRAM_API_ROOT: telegram.apiRoot });
    try {
      await waitForHealth(port, 30_000);
      await telegram.waitForCall('getUpdates', undefined, 20_000);
      expect(telegram.callsOf('setMyCommands').length).toBeGreaterThanOrEqual(2);
      telegram.pushUpdate(telegram.messageUpdate({ chatId: 42, fromId: 42, text: '/start' }));
      const terms = await telegram.waitForCall('sendMessage', (call) => JSON.stringify(call.params).includes('I accept'), 20_000);
      const accept = (terms.params as { reply_markup: { inline_keyboard: { callback_data: string }[][] } }).reply_markup.inline_keyboard.flat()[0]!.callback_data;
      telegram.pushUpdate(telegram.callbackUpdate({ chatId: 42, fromId: 42, data: accept, messageId: 1 }));
      const age = await telegram.waitForCall('sendMessage', (call) => JSON.stringify(call.params).includes('or older'), 20_000);
      const confirm = (age.params as { reply_markup: { inline_keyboard: { callback_data: string }[][] } }).reply_markup.inline_keyboard.flat()[0]!.callback_data;
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
});
