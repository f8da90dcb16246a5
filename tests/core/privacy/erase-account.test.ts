import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStripeCustomer } from '#core/payments/stripe-customer';
import { createStripeClient } from '#core/infra/stripe-client';
import { FakeStripeApi } from '#tests/fakes/stripe-api';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

describe('erasure leaves nothing behind: request texts, outbox mail, the Stripe customer', () => {
  let t: TestCore;
  let stripeFake: FakeStripeApi;
  beforeAll(async () => {
    stripeFake = await FakeStripeApi.start();
    t = await createTestCore({
      startWorker: false,
      env: { STRIPE_SECRET_KEY: stripeFake.apiKey, STRIPE_API_BASE: stripeFake.url },
    });
  });
  afterAll(async () => {
    await t?.close();
    await stripeFake?.close();
  });

  async function chatUserWithCustomer(subject: string, email: string) {
    const chat = new ChatUser(t, subject);
    await chat.onboard();
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject } },
    });
    const userId = identity.userId;
    await t.database.prisma.user.update({ where: { id: userId }, data: { email } });
    const stripe = createStripeClient(t.deps.config.stripe);
    if (!stripe) throw new Error('Stripe is not configured');
    const customerId = await ensureStripeCustomer(t.deps, stripe, userId);
    const payment = await t.database.prisma.payment.create({
      data: {
        userId,
        provider: 'stripe',
        externalId: `cs_${subject}`,
        amount: 500,
        currency: 'usd',
        credits: 100,
        status: 'succeeded',
        details: { customer: customerId },
      },
    });
    return { chat, userId, customerId, paymentId: payment.id };
  }

  async function outboxRecipients(): Promise<string[]> {
    const dir = path.join(t.dataDir, 'outbox');
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.eml'));
    return Promise.all(
      names.map(async (name) => /^To: (.*)$/m.exec(await fs.readFile(path.join(dir, name), 'utf8'))?.[1]?.trim() ?? ''),
    );
  }

  it('/deleteme removes the data requests’ free text and the outbox mail to the account, deletes the Stripe customer, keeps the payment anonymized', async () => {
    const { chat, userId, customerId, paymentId } = await chatUserWithCustomer('7300001', 'leaver@example.com');
    await t.database.prisma.dataSubjectRequest.create({
      data: {
        userId,
        email: 'leaver@example.com',
        kind: 'rectify',
        channel: 'email',
        details: { message: 'my new address is 5 Elm Street' },
      },
    });
    await t.deps.mailer.send({ to: 'leaver@example.com', subject: 'Confirm your address', text: 'a link' });
    await t.deps.mailer.send({ to: 'Other Person <stayer@example.com>', subject: 'Hello', text: 'not yours' });
    expect(stripeFake.customers.has(customerId)).toBe(true);

    await chat.press('confirm_delete');
    expect(await t.database.prisma.user.count({ where: { id: userId } })).toBe(0);
    const requests = await t.database.prisma.dataSubjectRequest.findMany({ where: { kind: 'rectify' } });
    expect(JSON.stringify(requests)).not.toContain('Elm Street');
    expect(requests.every((request) => request.email === null)).toBe(true);
    expect(await outboxRecipients()).toEqual(['Other Person <stayer@example.com>']);
    expect(stripeFake.customers.has(customerId)).toBe(false);
    expect(await t.database.prisma.stripeCustomerErasure.count()).toBe(0);
    expect(await t.database.prisma.payment.findUniqueOrThrow({ where: { id: paymentId } })).toMatchObject({
      userId: null,
      details: {},
      amount: 500,
    });
  });

  it('with Stripe down the erasure completes here, and the retention job deletes the customer later, once', async () => {
    const { chat, userId, customerId } = await chatUserWithCustomer('7300002', 'later@example.com');
    stripeFake.failNext('DELETE /v1/customers/:id', { status: 503, times: 1 });
    await chat.press('confirm_delete');
    expect(await t.database.prisma.user.count({ where: { id: userId } })).toBe(0);
    expect(stripeFake.customers.has(customerId)).toBe(true);
    expect(await t.database.prisma.stripeCustomerErasure.findUniqueOrThrow({ where: { customerId } })).toMatchObject({
      attempts: 1,
    });

    expect((await t.core.retention.run()).stripeCustomersDeleted).toBe(1);
    expect(stripeFake.customers.has(customerId)).toBe(false);
    expect(await t.database.prisma.stripeCustomerErasure.count()).toBe(0);
    expect((await t.core.retention.run()).stripeCustomersDeleted).toBe(0);
  });

  it('a customer Stripe no longer knows is dropped from the retries', async () => {
    await t.database.prisma.stripeCustomerErasure.create({ data: { customerId: 'cus_gone_already' } });
    expect((await t.core.retention.run()).stripeCustomersDeleted).toBe(1);
    expect(await t.database.prisma.stripeCustomerErasure.count()).toBe(0);
  });
});
