import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate, type Locale, type Reply, type Text } from '#core';
import { ChatUser } from '#tests/support/chat-driver';
import { readOutbox } from '#tests/web/support/outbox';
import { readZip } from '#tests/web/support/read-zip';
import { chatUserWithImage, linkBothSides } from '#tests/web/support/chat-helpers';
import { pageText, type WebClient } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

/** Catalog ids and ledger reasons that must never reach a user (display names are capitalized). */
const INTERNAL_IDS =
  /\b(starter|creator|studio|plus|pro|signup_bonus|signup_bonus_not_combined|merge_in|merge_out|moved_in|plan_period|pack:\w+|referral_clawback|debt_settle)\b/;

/** Everything a chat user reads in replies: texts, button labels, invoice title and description. */
function everythingRead(replies: Reply[], locale: Locale): string {
  const texts: Text[] = [];
  for (const reply of replies) {
    if (reply.type === 'message') {
      texts.push(...(Array.isArray(reply.text) ? reply.text : [reply.text]));
      for (const button of (reply.buttons ?? []).flat()) texts.push(button.label);
    } else if (reply.type === 'invoice') texts.push(reply.title, reply.description);
    else if (reply.type === 'status') texts.push(reply.text);
    else if (reply.type === 'media' && reply.caption) texts.push(...[reply.caption].flat());
  }
  return texts.map((text) => translate(locale, text.key, text.vars)).join('\n');
}

describe('internal ids never reach users: chat, account page, mails, export', () => {
  let h: WebHarness;
  let stripe: NonNullable<WebHarness['stripe']>;

  beforeAll(async () => {
    h = await startWebHarness({ stripe: true, startWorker: true });
    stripe = h.stripe as NonNullable<WebHarness['stripe']>;
  });
  afterAll(async () => {
    await h.close();
  });

  async function buyer(
    platformUserId: string,
    locale: Locale,
  ): Promise<{ chat: ChatUser; client: WebClient; email: string; productNames: string[] }> {
    const { chat } = await chatUserWithImage(h.t, platformUserId, 'a fox in the snow');
    const email = `ids-${platformUserId}@example.com`;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', {
      email,
      password: 'correct horse battery',
      displayName: 'Ids',
      age: 'yes',
      terms: 'yes',
    });
    await linkBothSides(h.t, chat, client);
    await h.t.database.prisma.user.update({ where: { email }, data: { locale } });
    const since = stripe.requests.length;
    for (const [kind, product] of [
      ['pack', 'starter'],
      ['plan', 'plus'],
    ] as const) {
      await client.get('/pricing');
      const response = await client.post('/checkout', { kind, product, currency: 'usd' });
      await stripe.completeCheckout(/\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1] ?? '');
    }
    // What Stripe's checkout page, receipts and portal show: the line's product name.
    const productNames = stripe.requests
      .slice(since)
      .filter((request) => request.method === 'POST' && request.path === '/v1/checkout/sessions')
      .flatMap((request) =>
        (request.body as { line_items: { price_data: { product_data: { name: string } } }[] }).line_items.map(
          (line) => line.price_data.product_data.name,
        ),
      );
    expect(productNames).toHaveLength(2);
    return { chat: new ChatUser(h.t, platformUserId, locale), client, email, productNames };
  }

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`names plans, packs and credit movements in words (${locale})`, async () => {
      const { chat, client, email, productNames } = await buyer(locale === 'en' ? '9601' : '9602', locale);
      const read: Record<string, string> = {
        stripe: productNames.join('\n'),
        balance: everythingRead(await chat.command('balance'), locale),
        history: everythingRead(await chat.command('history'), locale),
        buy: everythingRead(await chat.command('buy'), locale),
        invoice: everythingRead(await chat.press('buy_pack', 'starter'), locale),
        account: pageText((await client.get('/account')).text),
        pricing: pageText((await client.get('/pricing')).text),
        mails: (await readOutbox(h.t.dataDir))
          .filter((mail) => mail.to.includes(email))
          .map((mail) => `${mail.subject}\n${mail.text}\n${mail.html}`)
          .join('\n'),
      };
      await client.get('/account/privacy');
      const asked = await client.post('/account/privacy/export');
      read.export =
        readZip((await client.get(asked.location ?? '')).body)
          .get('README.txt')
          ?.toString('utf8') ?? '';

      expect(read.stripe).toContain(locale === 'en' ? 'Plus plan: 300 credits per month' : '进阶套餐：每月 300 积分');
      expect(read.balance).toContain(locale === 'en' ? 'Plus plan' : '进阶套餐');
      expect(read.invoice).toContain(locale === 'en' ? '50 credits' : '50 积分');
      expect(read.account).toContain(locale === 'en' ? 'credits added (credit pack)' : '积分到账 (积分包)');
      // The payments table names a purchase as the receipt and the export do.
      expect(read.account).toContain(locale === 'en' ? '50 credits pack $4.99' : '50 积分包 US$4.99');
      expect(read.mails).toContain(locale === 'en' ? '50 credits pack' : '50 积分包');
      expect(read.export).toContain(locale === 'en' ? 'Plus plan' : '进阶套餐');
      for (const [place, text] of Object.entries(read))
        expect(`${place}: ${INTERNAL_IDS.exec(text)?.[0] ?? ''}`).toBe(`${place}: `);
    });
  }
});
