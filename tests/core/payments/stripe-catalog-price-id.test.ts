import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type Catalog } from '#core/catalog/catalog';
import { checkoutCompletedEffect } from '#core/payments/stripe-apply-checkout';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { FakeStripeApi } from '#tests/fakes/stripe-api';

describe('a pack the catalog sells at a Stripe price id is credited only for one line of exactly that price', () => {
  let t: TestCore;
  let fake: FakeStripeApi;
  let api: Stripe;
  let catalog: Catalog;
  let userId: string;
  let priceId: string;

  beforeAll(async () => {
    fake = await FakeStripeApi.start();
    api = new Stripe(fake.apiKey, { ...fake.stripeOptions });
    t = await createTestCore({ startWorker: false });
    priceId = fake.createPrice({ unitAmount: 3499, currency: 'usd', productName: '500 credits' }).id;
    catalog = {
      ...CATALOG,
      packs: CATALOG.packs.map((pack) => (pack.id === 'studio' ? { ...pack, stripePriceId: priceId } : pack)),
    };
    await new ChatUser(t, '9301').onboard();
    userId = (
      await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '9301' } },
      })
    ).userId;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  async function paidSession(lineItems: Stripe.Checkout.SessionCreateParams.LineItem[]): Promise<string> {
    const session = await api.checkout.sessions.create({
      mode: 'payment',
      success_url: 'http://127.0.0.1/done',
      line_items: lineItems,
      metadata: { userId, kind: 'pack', packId: 'studio' },
    });
    await fake.completeCheckout(session.id, { deliver: false });
    return session.id;
  }

  const effectOf = async (sessionId: string) =>
    checkoutCompletedEffect({ ...t.deps, catalog }, api, sessionId, `evt_${sessionId}`);

  it('credits one line of the named price', async () => {
    const effect = await effectOf(await paidSession([{ price: priceId, quantity: 1 }]));
    expect([effect.outcome ?? 'applied', effect.note, effect.userId]).toEqual(['applied', 'pack_credited', userId]);
  });

  it('holds another price of the same amount, two of the named price, and the right amount made with price_data', async () => {
    const lookalike = fake.createPrice({ unitAmount: 3499, currency: 'usd' }).id;
    const cheap = fake.createPrice({ unitAmount: 1, currency: 'usd' }).id;
    const sessions = [
      await paidSession([{ price: lookalike, quantity: 1 }]),
      await paidSession([{ price: cheap, quantity: 1 }]),
      await paidSession([{ price: priceId, quantity: 2 }]),
      await paidSession([
        { price_data: { currency: 'usd', unit_amount: 3499, product_data: { name: 'x' } }, quantity: 1 },
      ]),
    ];
    for (const sessionId of sessions) {
      const effect = await effectOf(sessionId);
      expect([effect.outcome, effect.note], sessionId).toEqual(['held_for_review', 'held_for_review:price_mismatch']);
    }
  });
});
