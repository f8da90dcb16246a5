import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { ChatUser } from '#tests/support/chat-driver';
import { lastLinkTo } from '#tests/web/support/outbox';
import { pageText, type WebClient } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'boss@example.com';

/** Every field of the confirmation page's form (hidden fields and the CSRF token included). */
function confirmationFields(page: string, action: string): Record<string, string> {
  const form = new RegExp(`<form method="post" action="${action.replace(/[/]/g, '\\/')}"[^>]*>([^]*?)</form>`).exec(
    page,
  )?.[1];
  expect(form, `a form posting to ${action}`).toBeDefined();
  const fields: Record<string, string> = {};
  for (const match of (form ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[match[1] ?? ''] = match[2] ?? '';
  return fields;
}

describe('web admin: refund, revoke, suspend and lift ask for confirmation first', () => {
  let h: WebHarness;
  let admin: WebClient;
  let telegramIds = 7_100_000;

  beforeAll(async () => {
    h = await startWebHarness({ stripe: true, env: { ADMIN_EMAILS: ADMIN_EMAIL } });
    admin = h.client();
    await admin.get('/register');
    expect(
      (
        await admin.post('/register', {
          email: ADMIN_EMAIL,
          password: PASSWORD,
          displayName: 'boss',
          age: 'yes',
          terms: 'yes',
        })
      ).status,
    ).toBe(303);
    const { url } = await lastLinkTo(h.t.dataDir, ADMIN_EMAIL, '/verify-email/');
    expect((await admin.get(url)).status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
  });

  const prisma = () => h.t.database.prisma;
  const balanceOf = (userId: string) => getBalance(prisma(), userId, h.t.clock.now());
  const auditCount = (userId: string) =>
    prisma().auditLog.count({ where: { targetUserId: userId, action: { not: { startsWith: 'admin.view' } } } });

  async function telegramUser(): Promise<string> {
    telegramIds += 1;
    await new ChatUser(h.t, String(telegramIds)).onboard();
    return (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: String(telegramIds) } },
      })
    ).userId;
  }

  it('revoke states the amount, the user and the balance after, changes nothing, and applies only once confirmed', async () => {
    const userId = await telegramUser();
    const before = await balanceOf(userId);
    const page = await admin.get(`/admin/users/${userId}`);
    const key = /action="\/admin\/users\/[^"]+\/revoke"[\s\S]*?name="key" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const audits = await auditCount(userId);

    const asked = await admin.post(`/admin/users/${userId}/revoke`, {
      amount: String(before.available + 3),
      reason: 'chargeback',
      key,
    });
    expect(asked.status).toBe(200);
    const text = pageText(asked.text);
    expect(text).toContain(`Take ${before.available + 3} credits from`);
    expect(text).toContain(`Available now: ${before.available}; after: 0, and a debt of 3.`);
    expect(text).toContain('Nothing has changed yet.');
    expect(asked.text).toContain(`href="/admin/users/${userId}"`);
    expect(await balanceOf(userId)).toEqual(before);
    expect(await auditCount(userId)).toBe(audits);

    const fields = confirmationFields(asked.text, `/admin/users/${userId}/revoke`);
    expect(fields).toMatchObject({ amount: String(before.available + 3), reason: 'chargeback', key, confirmed: 'yes' });
    const done = await admin.post(`/admin/users/${userId}/revoke`, fields);
    expect(done.location).toBe(`/admin/users/${userId}?done=revoked`);
    expect(await balanceOf(userId)).toMatchObject({ available: 0, debt: 3 });
    // The confirmation form sent again (back button, double click) applies nothing more: same key.
    expect((await admin.post(`/admin/users/${userId}/revoke`, fields)).location).toBe(
      `/admin/users/${userId}?done=repeated`,
    );
    expect(await balanceOf(userId)).toMatchObject({ available: 0, debt: 3 });
  });

  it('suspend states how long and why; lift states whose suspension ends; each changes nothing until confirmed', async () => {
    const userId = await telegramUser();
    const asked = await admin.post(`/admin/users/${userId}/suspend`, { hours: '12', reason: 'spamming prompts' });
    expect(asked.status).toBe(200);
    expect(pageText(asked.text)).toMatch(/Suspend .+ for 12 hours, until .+\. Reason: spamming prompts\./);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).status).toBe('active');

    const suspended = await admin.post(
      `/admin/users/${userId}/suspend`,
      confirmationFields(asked.text, `/admin/users/${userId}/suspend`),
    );
    expect(suspended.location).toBe(`/admin/users/${userId}?done=suspended`);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).status).toBe('suspended');

    const lift = await admin.post(`/admin/users/${userId}/unsuspend`);
    expect(lift.status).toBe(200);
    expect(pageText(lift.text)).toMatch(/Lift the suspension of .+ now\. It would otherwise end .+\./);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).status).toBe('suspended');
    const lifted = await admin.post(
      `/admin/users/${userId}/unsuspend`,
      confirmationFields(lift.text, `/admin/users/${userId}/unsuspend`),
    );
    expect(lifted.location).toBe(`/admin/users/${userId}?done=unsuspended`);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).status).toBe('active');
  });

  it('refund states the payment, its amount and the credits taken back, and changes nothing until confirmed', async () => {
    const userId = await telegramUser();
    const payment = await prisma().payment.create({
      data: {
        userId,
        provider: 'stripe',
        externalId: 'pi_confirm_me',
        amount: 499,
        currency: 'usd',
        credits: 100,
        status: 'succeeded',
        productId: 'starter',
      },
    });
    const asked = await admin.post(`/admin/users/${userId}/payments/${payment.id}/refund`);
    expect(asked.status).toBe(200);
    expect(pageText(asked.text)).toMatch(
      /Refund \$4\.99 \(payment pi_confirm_me\) to .+\. 100 credits are taken back; what is already spent becomes a debt\./,
    );
    expect((await prisma().payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('succeeded');
    expect(h.stripe?.refunds.size).toBe(0);
  });

  it('bad values are refused before any confirmation page, and the same for a payment of another user', async () => {
    const userId = await telegramUser();
    const other = await telegramUser();
    const refused = await admin.post(`/admin/users/${userId}/revoke`, { amount: 'many', reason: 'x', key: 'k1' });
    expect(refused.status).toBe(400);
    expect(pageText(refused.text)).toContain('Credits must be a whole number');
    const payment = await prisma().payment.create({
      data: {
        userId: other,
        provider: 'stripe',
        externalId: 'pi_not_yours',
        amount: 499,
        currency: 'usd',
        credits: 100,
        status: 'succeeded',
        productId: 'starter',
      },
    });
    expect((await admin.post(`/admin/users/${userId}/payments/${payment.id}/refund`)).status).toBe(404);
    // The confirmed form too: never the payment of another user than the page's.
    expect(
      (await admin.post(`/admin/users/${userId}/payments/${payment.id}/refund`, { confirmed: 'yes' })).status,
    ).toBe(404);
    expect((await h.t.database.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe(
      'succeeded',
    );
    // A payment already refunded gets no confirmation page that would promise credits back.
    const refunded = await prisma().payment.create({
      data: {
        userId,
        provider: 'stripe',
        externalId: 'pi_already_back',
        amount: 499,
        currency: 'usd',
        credits: 100,
        status: 'refunded',
        refundedAmount: 499,
        productId: 'starter',
      },
    });
    const again = await admin.post(`/admin/users/${userId}/payments/${refunded.id}/refund`);
    expect(again.status).toBe(409);
    expect(pageText(again.text)).toContain('That payment cannot be refunded');
  });
});
