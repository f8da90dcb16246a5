import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotApiStarsRefunds } from '#core/admin/bot-api-stars-refunds';
import { runAdminCli } from '#core/admin/run-admin-cli';
import { getBalance } from '#core/credits/get-balance';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';

const BOT_TOKEN = '777001:ReconcileTokenABCDEFGHIJKLMNOPQRS';

describe('Telegram Stars reconciliation (getStarTransactions): lost payments applied once', () => {
  let t: TestCore;
  let telegram: FakeTelegram;
  let env: Record<string, string>;

  beforeAll(async () => {
    telegram = await startFakeTelegram({ token: BOT_TOKEN });
    t = await createTestCore({
      startWorker: false,
      env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: telegram.apiRoot },
    });
    env = {
      DATABASE_URL: t.database.url ?? '',
      DATA_DIR: t.dataDir,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
    await t?.close();
    await telegram?.close();
  });

  const prisma = () => t.database.prisma;
  const balanceOf = async (userId: string) => (await getBalance(prisma(), userId, t.clock.now())).available;

  async function payer(telegramId: number): Promise<string> {
    await new ChatUser(t, String(telegramId)).onboard();
    return (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: String(telegramId) } },
      })
    ).userId;
  }

  /** A paid Stars invoice; its `successful_payment` update is built but never reaches the bot (lost). */
  function pay(fromId: number, payload: string, stars: number): string {
    const update = telegram.successfulPaymentUpdate({ fromId, payload, total_amount: stars }) as unknown as {
      message: { successful_payment: { telegram_payment_charge_id: string } };
    };
    return update.message.successful_payment.telegram_payment_charge_id;
  }

  async function admin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runAdminCli(args, {
      env,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      actor: 'cli:cashier',
    });
    return { code, stdout, stderr };
  }

  it('npm run admin -- stars-reconcile applies a payment whose update was lost once, skips the applied, the refunded and the mispriced; twice applies nothing more', async () => {
    const userId = await payer(8101);
    const delivered = pay(8101, `pack:starter:${userId}`, 250);
    await t.core.payments.applyStarsPayment({
      payload: `pack:starter:${userId}`,
      chargeId: delivered,
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: '8101',
    });
    const lost = pay(8101, `pack:creator:${userId}`, 600);
    const refunded = pay(8101, `pack:starter:${userId}`, 250);
    await createBotApiStarsRefunds({ token: BOT_TOKEN, apiRoot: telegram.apiRoot }).refund('8101', refunded);
    const mispriced = pay(8101, `pack:studio:${userId}`, 1);
    const garbage = pay(8101, 'not-our-payload', 250);
    expect(await balanceOf(userId)).toBe(60);

    const first = await admin(['stars-reconcile', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      scanned: 6,
      payments: 5,
      alreadyApplied: 1,
      applied: [{ chargeId: lost, platformUserId: '8101', amount: 600 }],
      held: [{ chargeId: mispriced, amount: 1 }],
      refunded: 1,
      failed: [{ chargeId: garbage, reason: 'unknown_product' }],
    });
    expect(await balanceOf(userId)).toBe(210);
    expect(
      await prisma().creditLedgerEntry.findUniqueOrThrow({ where: { idempotencyKey: `stars:${lost}` } }),
    ).toMatchObject({ userId, delta: 150, kind: 'grant' });
    expect(
      await prisma().payment.findUniqueOrThrow({
        where: { provider_externalId: { provider: 'telegram_stars', externalId: lost } },
      }),
    ).toMatchObject({ userId, amount: 600, currency: 'XTR', credits: 150, productId: 'creator', status: 'succeeded' });
    expect(await prisma().payment.count({ where: { externalId: { in: [refunded, mispriced, garbage] } } })).toBe(0);
    expect(
      await prisma().paymentReview.findUniqueOrThrow({
        where: { provider_objectId: { provider: 'telegram_stars', objectId: mispriced } },
      }),
    ).toMatchObject({
      userId,
      productId: 'studio',
      expectedAmount: 1750,
      expectedCurrency: 'XTR',
      paidAmount: 1,
      reason: 'amount_mismatch',
      status: 'open',
    });
    expect(await prisma().auditLog.findFirstOrThrow({ where: { action: 'payments.stars_reconcile' } })).toMatchObject({
      actor: 'cli:cashier',
      details: { applied: [lost], held: [mispriced] },
    });

    const ledgerBefore = await prisma().creditLedgerEntry.count();
    const second = await admin(['stars-reconcile']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^applied now +0$/m);
    expect(second.stdout).toMatch(/^already applied +2$/m);
    expect(second.stdout).toMatch(/^held for review +0$/m);
    expect(await balanceOf(userId)).toBe(210);
    expect(await prisma().creditLedgerEntry.count()).toBe(ledgerBefore);
    expect(await prisma().paymentReview.count({ where: { objectId: mispriced } })).toBe(1);

    // The lost update arriving late still credits nothing more.
    await t.core.payments.applyStarsPayment({
      payload: `pack:creator:${userId}`,
      chargeId: lost,
      currency: 'XTR',
      totalAmount: 600,
      platformUserId: '8101',
    });
    expect(await balanceOf(userId)).toBe(210);
  });

  it('the daily job reads every page of transactions, applies what was lost and tells the payer in their chat', async () => {
    const userId = await payer(8202);
    const before = await balanceOf(userId);
    const charges = Array.from({ length: 101 }, () => pay(8202, `pack:starter:${userId}`, 250));
    const sent = t.notifier.deliveries.length;
    const report = await t.core.admin.reconcileStars({ actor: 'job:stars-reconcile' });
    expect(report.applied.map((entry) => entry.chargeId)).toEqual(charges);
    expect(telegram.callsOf('getStarTransactions').map((call) => call.params.offset)).toContain(100);
    expect(await balanceOf(userId)).toBe(before + 101 * 50);
    const told = t.notifier.deliveries.slice(sent);
    expect(told).toHaveLength(101);
    expect(told[0]?.target).toMatchObject({ platform: 'telegram', chatId: '8202', chatType: 'private' });
    expect(renderText(told.at(-1)?.replies[0])).toBe(
      `Payment received: 50 credits added. Balance: ${before + 101 * 50}.`,
    );
    const again = await t.core.admin.reconcileStars({ actor: 'job:stars-reconcile' });
    expect(again.applied).toEqual([]);
    expect(await balanceOf(userId)).toBe(before + 101 * 50);
  });

  it('refuses with the reason where no bot token is configured', async () => {
    const { TELEGRAM_BOT_TOKEN: _token, TELEGRAM_API_ROOT: _root, ...withoutBot } = env;
    let stderr = '';
    const code = await runAdminCli(['stars-reconcile'], {
      env: withoutBot,
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      actor: 'cli:cashier',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('TELEGRAM_BOT_TOKEN is not set');
  });
});
