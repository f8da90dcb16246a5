import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCli } from '#core/admin/run-admin-cli';
import { getBalance } from '#core/credits/get-balance';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser } from '#tests/support/chat-driver';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ACTOR = `cli:${os.userInfo().username}`;
const BOT_TOKEN = '654321:ZYXWVUTSRQPONMLKJIHGFEDCBA_xyz';

type Run = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `npm run admin -- <args>` in this process: the entry's own function with only `env` set and
 * the entry's actor. Spawning a process per command cost ~1 s of CPU each; {@link adminProcess}
 * checks the entry itself (exit codes through the process, the actor from the OS user).
 */
async function admin(args: string[], env: Record<string, string>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runAdminCli(args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    actor: ACTOR,
  });
  return { code, stdout, stderr };
}

/** Runs `npm run admin -- <args>` the way the script does (node --import tsx core/admin/admin-cli.ts), with only `env` set. */
function adminProcess(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/admin/admin-cli.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Two tests spawn the CLI (about 1 s of CPU each): more room than the default under a loaded CI.
describe('npm run admin (core/admin/admin-cli.ts)', { timeout: 90_000 }, () => {
  let t: TestCore;
  let telegram: FakeTelegram;
  let env: Record<string, string>;
  let userId: string;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
    telegram = await startFakeTelegram({ token: BOT_TOKEN });
    env = {
      DATABASE_URL: t.database.url ?? '',
      DATA_DIR: t.dataDir,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
    };
    await new ChatUser(t, '7001').onboard();
    userId = (
      await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '7001' } },
      })
    ).userId;
  });
  afterAll(async () => {
    await telegram?.close();
    await t?.close();
  });

  const available = async () => (await getBalance(t.database.prisma, userId, new Date())).available;

  it('exits 2 on usage errors before opening anything (the database URL here leads nowhere)', async () => {
    const nowhere = { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' };
    const cases: [string[], RegExp][] = [
      [[], /a command is needed/],
      [['launch-rockets'], /unknown command: launch-rockets/],
      [['constructor'], /unknown command: constructor/],
      [['__proto__'], /unknown command: __proto__/],
      [['grant', 'telegram:7001', '5'], /grant needs --reason/],
      [['grant', 'telegram:7001', 'five', '--reason', 'x'], /credits must be a positive whole number, got five/],
      [['balance', 'not-a-user'], /not a user: not-a-user/],
      [['balance', 'telegram:7001', '--limit', '3'], /balance does not take --limit/],
      [['ledger', 'telegram:7001', '--limit', '0'], /--limit must be a positive whole number/],
      [['find-user'], /find-user takes 1 argument, got 0/],
      [['stats', '--bogus'], /Unknown option '--bogus'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => admin(args, nowhere)));
    runs.forEach((run, index) => {
      expect(run.code, cases[index]?.[0].join(' ')).toBe(2);
      expect(run.stderr).toMatch(cases[index]?.[1] as RegExp);
      expect(run.stdout).toBe('');
    });
    // The entry itself: the exit code reaches the shell.
    const spawned = await adminProcess(['launch-rockets'], nowhere);
    expect([spawned.code, spawned.stdout]).toEqual([2, '']);
    expect(spawned.stderr).toMatch(/unknown command: launch-rockets/);
    const help = await adminProcess(['--help'], nowhere);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('refund-payment <payment id | external id>');
  });

  it('find-user prints the account for people and JSON for machines; an unknown user exits 1', async () => {
    const text = await admin(['find-user', 'telegram:7001'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^user +${userId}$`, 'm'));
    expect(text.stdout).toMatch(/^identities +telegram:7001$/m);
    const json = await admin(['find-user', userId, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: userId,
      status: 'active',
      identities: [{ provider: 'telegram', subject: '7001' }],
    });

    const missing = await admin(['find-user', 'discord:424242'], env);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, '', 'no user matches discord:424242\n']);
    const missingJson = await admin(['find-user', 'nobody@example.com', '--json'], env);
    expect(missingJson.code).toBe(1);
    expect(JSON.parse(missingJson.stdout)).toEqual({
      error: { code: 'not_found', message: 'no user matches nobody@example.com' },
    });
    expect(
      await t.database.prisma.auditLog.findMany({
        where: { targetUserId: userId, action: 'admin.find_user' },
        select: { actor: true },
      }),
    ).toEqual([{ actor: ACTOR }, { actor: ACTOR }]);
  });

  it('grant prints the key it used; the same key again changes nothing; both audited as cli:<os user>', async () => {
    // Through the entry, so the audit actor is the one it derives from the OS user.
    const generated = await adminProcess(['grant', 'telegram:7001', '25', '--reason', 'ticket 7'], env);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain(`Granted 25 credits to ${userId}.`);
    const key = /^key: (\S+)$/m.exec(generated.stdout)?.[1] ?? '';
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.stdout).toContain('balance: 35 available, 0 reserved, 0 owed');
    expect(
      await t.database.prisma.creditLedgerEntry.findUniqueOrThrow({ where: { idempotencyKey: `admin-grant:${key}` } }),
    ).toMatchObject({ kind: 'grant', delta: 25, actor: ACTOR, reason: 'ticket 7' });

    const keyed = await admin(
      ['grant', 'telegram:7001', '5', '--reason', 'retry-safe', '--key', 'ticket-8', '--json'],
      env,
    );
    expect(JSON.parse(keyed.stdout)).toMatchObject({
      userId,
      applied: true,
      key: 'ticket-8',
      balance: { available: 40 },
    });
    const replay = await admin(['grant', 'telegram:7001', '5', '--reason', 'retry-safe', '--key', 'ticket-8'], env);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('Nothing changed: key ticket-8 was already used for a grant.');
    expect(await available()).toBe(40);
    const audit = await t.database.prisma.auditLog.findMany({
      where: { targetUserId: userId, action: 'credits.grant' },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((row) => [row.actor, (row.details as { key: string }).key])).toEqual([
      [ACTOR, key],
      [ACTOR, 'ticket-8'],
    ]);
  });

  it('revoke takes credits back and leaves a debt for what was spent; ledger and balance show it', async () => {
    const run = await admin(['revoke', 'telegram:7001', '45', '--reason', 'dispute', '--key', 'dispute-1'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Took back 45 credits from ${userId}: 40 from the balance, 5 owed as debt.`);
    const balance = await admin(['balance', 'telegram:7001', '--json'], env);
    expect(JSON.parse(balance.stdout)).toMatchObject({ userId, available: 0, reserved: 0, debt: 5 });
    const ledger = await admin(['ledger', 'telegram:7001', '--limit', '2'], env);
    expect(ledger.code).toBe(0);
    const lines = ledger.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Ledger of ${userId}, newest first:`);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(new RegExp(`clawback +-40 +\\+5 +dispute +${ACTOR}$`));
    expect(lines[3]).toMatch(new RegExp(`grant +\\+5 +retry-safe +${ACTOR}$`));
    expect(
      await t.database.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { creditDebt: true } }),
    ).toEqual({ creditDebt: 5 });
  });

  it('suspend, moderation, unsuspend; unsuspending again is refused with exit 1', async () => {
    const suspended = await admin(['suspend', 'telegram:7001', '--hours', '12', '--reason', 'abuse report'], env);
    expect(suspended.code).toBe(0);
    expect(suspended.stdout).toMatch(
      new RegExp(`^Suspended ${userId} until \\d{4}-\\d\\d-\\d\\dT.*: abuse report$`, 'm'),
    );
    const row = await t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(row.status).toBe('suspended');
    expect(Math.abs((row.suspendedUntil?.getTime() ?? 0) - (Date.now() + 12 * 3_600_000))).toBeLessThan(60_000);

    const moderation = await admin(['moderation', 'telegram:7001'], env);
    expect(moderation.stdout).toContain('No moderation events.');
    expect(moderation.stdout).toMatch(/admin +abuse report/);

    expect((await admin(['unsuspend', 'telegram:7001'], env)).stdout).toBe(
      `Lifted every suspension of ${userId}; it is active again.\n`,
    );
    const again = await admin(['unsuspend', 'telegram:7001'], env);
    expect([again.code, again.stderr]).toEqual([1, `account ${userId} is active, not suspended; nothing changed\n`]);
    const actions = await t.database.prisma.auditLog.findMany({
      where: {
        targetUserId: userId,
        action: { in: ['account.suspend', 'account.unsuspend', 'admin.view_moderation'] },
      },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((entry) => [entry.actor, entry.action])).toEqual([
      [ACTOR, 'account.suspend'],
      [ACTOR, 'admin.view_moderation'],
      [ACTOR, 'account.unsuspend'],
    ]);
  });

  it('refund-payment refunds Stars through the Bot API and claws back; unknown payments exit 1', async () => {
    telegram.successfulPaymentUpdate({
      fromId: 7001,
      payload: `pack:starter:${userId}`,
      total_amount: 250,
      telegram_payment_charge_id: 'stxCli-7001',
    });
    await t.core.payments.applyStarsPayment({
      payload: `pack:starter:${userId}`,
      chargeId: 'stxCli-7001',
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: '7001',
    });
    expect(await available()).toBe(45);

    const run = await admin(['refund-payment', 'stxCli-7001'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Refunded payment [0-9a-f-]{36} \(telegram_stars stxCli-7001\); its 50 credits were taken back/,
    );
    expect(telegram.callsOf('refundStarPayment').map((call) => call.params)).toEqual([
      { user_id: 7001, telegram_payment_charge_id: 'stxCli-7001' },
    ]);
    expect(await available()).toBe(0);
    expect(
      await t.database.prisma.auditLog.count({
        where: { action: 'payment.refund', actor: ACTOR, targetUserId: userId },
      }),
    ).toBe(1);

    const unknown = await admin(['refund-payment', 'stxNope'], env);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'no payment has the id or external id stxNope\n']);
  });

  it('stats prints both periods; --json gives the numbers', async () => {
    const text = await admin(['stats'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ +last 24 h +all time$/m);
    expect(text.stdout).toMatch(/^credits sold +50 +50$/m);
    const json = JSON.parse((await admin(['stats', '--json'], env)).stdout) as {
      allTime: { users: Record<string, number>; creditsSold: number; creditsClawedBack: number };
    };
    expect(json.allTime.users.active).toBe(1);
    expect(json.allTime.creditsSold).toBe(50);
    expect(json.allTime.creditsClawedBack).toBe(95);
    expect(await t.database.prisma.auditLog.count({ where: { action: 'admin.stats', actor: ACTOR } })).toBe(2);
  });
});
