import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '#core/infra/mail/smtp-mailer';
import { applyStarsPayment } from '#core/payments/stars-payment';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { readOutbox } from '#tests/web/support/outbox';

describe('payment receipts for Telegram Stars purchases', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
    await t?.close();
  });

  async function payer(telegramId: string, email?: { address: string; isVerified: boolean; locale?: string }) {
    await new ChatUser(t, telegramId).onboard();
    const { userId } = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: telegramId } },
    });
    if (email)
      await t.database.prisma.user.update({
        where: { id: userId },
        data: {
          email: email.address,
          emailVerifiedAt: email.isVerified ? t.clock.now() : null,
          ...(email.locale ? { locale: email.locale } : {}),
        },
      });
    return userId;
  }

  const pay = (userId: string, telegramId: string, chargeId: string) =>
    t.core.payments.applyStarsPayment({
      payload: `pack:starter:${userId}`,
      chargeId,
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: telegramId,
    });

  const mailsTo = async (address: string) => (await readOutbox(t.dataDir)).filter((mail) => mail.to.includes(address));

  it('mails one receipt, in Stars, to a buyer whose web account confirmed its email, however often the payment arrives', async () => {
    const userId = await payer('8101', { address: 'stars-buyer@example.com', isVerified: true });
    await Promise.all([pay(userId, '8101', 'stx-receipt-1'), pay(userId, '8101', 'stx-receipt-1')]);
    await pay(userId, '8101', 'stx-receipt-1');
    const mails = await mailsTo('stars-buyer@example.com');
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail?.subject).toBe('Your receipt: 50 credits');
    expect(mail?.text).toContain('Amount paid: 250 Telegram Stars');
    expect(mail?.text).toContain('Credits added: 50');
    expect(mail?.text).toContain('Product: 50 credits pack');
    expect(mail?.text).toContain(`${t.deps.config.publicUrl}/account`);
    expect(mail?.text).not.toContain('starter');
    expect(mail?.html).toContain('250 Telegram Stars');
    expect(mail?.html).toContain(`<a href="${t.deps.config.publicUrl}/account"`);
    expect(mail?.html).not.toContain('starter');
    const payment = await t.database.prisma.payment.findFirstOrThrow({ where: { externalId: 'stx-receipt-1' } });
    expect(await t.database.prisma.paymentReceipt.findUnique({ where: { paymentId: payment.id } })).toMatchObject({
      attempts: 1,
      lastError: null,
    });
  });

  it('writes the receipt in the account’s language', async () => {
    const userId = await payer('8102', { address: 'stars-zh@example.com', isVerified: true, locale: 'zh-CN' });
    await pay(userId, '8102', 'stx-receipt-2');
    const [mail] = await mailsTo('stars-zh@example.com');
    expect(mail?.subject).toBe('你的收据：50 积分');
    expect(mail?.text).toContain('付款金额：250 个 Telegram Stars');
    expect(mail?.text).toContain('商品：50 积分包');
    expect(mail?.html).toContain('<html lang="zh-CN">');
  });

  it('mails nothing when the address is not confirmed, or there is none', async () => {
    const unverified = await payer('8103', { address: 'stars-unverified@example.com', isVerified: false });
    await pay(unverified, '8103', 'stx-receipt-3');
    const chatOnly = await payer('8104');
    await pay(chatOnly, '8104', 'stx-receipt-4');
    expect(await mailsTo('stars-unverified@example.com')).toEqual([]);
    const payments = await t.database.prisma.payment.findMany({
      where: { externalId: { in: ['stx-receipt-3', 'stx-receipt-4'] } },
      select: { id: true },
    });
    expect(payments).toHaveLength(2);
    expect(
      await t.database.prisma.paymentReceipt.count({ where: { paymentId: { in: payments.map((row) => row.id) } } }),
    ).toBe(0);
  });

  it('answers the payment within seconds while the mail server hangs, and retries the receipt later', async () => {
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as net.AddressInfo;
    const userId = await payer('8105', { address: 'stars-slow@example.com', isVerified: true });
    const deps = {
      ...t.deps,
      mailer: createSmtpMailer({
        smtpUrl: `smtp://127.0.0.1:${port}`,
        from: 'imagine@example.com',
        logger: t.deps.logger,
      }),
    };
    const started = Date.now();
    const reply = await applyStarsPayment(deps, {
      payload: `pack:starter:${userId}`,
      chargeId: 'stx-receipt-5',
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: '8105',
    });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(reply).toMatchObject({ type: 'message' });
    const payment = await t.database.prisma.payment.findFirstOrThrow({ where: { externalId: 'stx-receipt-5' } });
    const where = { paymentId: payment.id };
    expect(await t.database.prisma.paymentReceipt.findUniqueOrThrow({ where })).toMatchObject({
      sentAt: null,
      attempts: 1,
    });
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
    const deadline = Date.now() + 10_000;
    while ((await t.database.prisma.paymentReceipt.findUniqueOrThrow({ where })).lastError === null) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await t.database.prisma.paymentReceipt.findUniqueOrThrow({ where })).toMatchObject({
      sentAt: null,
      attempts: 1,
    });
  }, 30_000);
});
