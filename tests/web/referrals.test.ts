import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { mergeAccounts } from '#core/accounts/merge-accounts';
import { exportUserData } from '#core/privacy/export-user-data';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

const PASSWORD = 'correct horse battery';
const BOT = 'imagine_test_bot';
const NO_ORIGIN = { ip: undefined, userAgent: undefined };

// Catalog defaults: a starter pack is 50 credits (250 Stars); the inviter gets 25, the invitee 15; signup gives 10.
describe('referrals: invite links, the first purchase rewards both once, refunds take it back', () => {
  let h: WebHarness;
  let stripe: NonNullable<WebHarness['stripe']>;
  let counter = 0;

  beforeAll(async () => {
    h = await startWebHarness({ stripe: true, google: true, env: { TELEGRAM_BOT_USERNAME: `@${BOT}` } });
    stripe = h.stripe as NonNullable<WebHarness['stripe']>;
    h.oidc?.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
      Object.assign(token.payload, {
        sub: 'google-invitee',
        email: 'google.invitee@example.com',
        email_verified: true,
        name: 'Google Invitee',
      });
    });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    expect(stripe.handlerErrors).toEqual([]);
    await h.close();
  });

  const prisma = () => h.t.database.prisma;
  const balanceOf = async (userId: string) => (await getBalance(prisma(), userId, h.t.clock.now())).available;
  const referralEntries = (userId: string) =>
    prisma().creditLedgerEntry.findMany({
      where: { userId, idempotencyKey: { startsWith: 'referral' } },
      orderBy: { id: 'asc' },
    });

  async function chatUser(id: string): Promise<{ chat: ChatUser; userId: string }> {
    const chat = new ChatUser(h.t, id);
    await chat.onboard();
    const identity = await prisma().identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: id } },
    });
    return { chat, userId: identity.userId };
  }

  /** The invite link /balance shows, and its code. */
  async function inviteOf(chat: ChatUser): Promise<{ text: string; link: string; code: string }> {
    const text = renderText((await chat.command('balance'))[0]);
    const link = /(https?:\/\/\S+ref[=_]([a-z0-9]+))/.exec(text);
    expect(link, text).not.toBeNull();
    return { text, link: link?.[1] ?? '', code: link?.[2] ?? '' };
  }

  function payStars(chat: ChatUser, userId: string, chargeId: string) {
    return h.t.core.payments.applyStarsPayment({
      payload: `pack:starter:${userId}`,
      chargeId,
      currency: 'XTR',
      totalAmount: 250,
      platformUserId: chat.platformUserId,
    });
  }

  async function register(client: WebClient, email: string): Promise<{ userId: string; location: string }> {
    counter += 1;
    await client.get('/register');
    const response = await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: `Person ${counter}`,
      age: 'yes',
      terms: 'yes',
    });
    expect(response.status, response.text).toBe(303);
    const user = await prisma().user.findUniqueOrThrow({ where: { email } });
    return { userId: user.id, location: response.location ?? '' };
  }

  /** The account's invite code, as its account page shows it. */
  async function codeOf(client: WebClient): Promise<string> {
    const code = /\?ref=([a-z0-9]+)/.exec(pageText((await client.get('/account')).text))?.[1];
    expect(code).toBeDefined();
    return code ?? '';
  }

  async function buyStarter(client: WebClient): Promise<string> {
    await client.get('/pricing');
    const response = await client.post('/checkout', { kind: 'pack', product: 'starter', currency: 'usd' });
    expect(response.status, response.text).toBe(303);
    const sessionId = /\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1] ?? '';
    await stripe.completeCheckout(sessionId);
    return sessionId;
  }

  async function chargeOf(userId: string, sessionId: string): Promise<string> {
    const payment = await prisma().payment.findFirstOrThrow({
      where: { userId, details: { path: ['checkoutSessionId'], equals: sessionId } },
    });
    return String(stripe.paymentIntents.get(payment.externalId)?.latest_charge);
  }

  it('invites through a Telegram deep link; the first Stars purchase credits both once, a replay or second purchase nothing more', async () => {
    const inviter = await chatUser('5001');
    const invite = await inviteOf(inviter.chat);
    expect(invite.link).toBe(`https://t.me/${BOT}?start=ref_${invite.code}`);
    expect(invite.text).toContain('you get 25 credits and they get 15');
    expect(invite.text).toContain('Invited people who bought: 0. Credits earned: 0.');

    const invitee = new ChatUser(h.t, '5002');
    const start = (await invitee.command('start', `ref_${invite.code}`)).map((reply) => renderText(reply));
    expect(start[0]).toContain('Invitation accepted. On your first purchase you get 15 extra credits');
    expect(start.join('\n')).toContain('You get 10 free credits once you accept the terms.');
    expect(start.at(-1)).toContain('/terms');
    await invitee.onboard();
    const inviteeId = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '5002' } },
      })
    ).userId;
    expect((await prisma().user.findUniqueOrThrow({ where: { id: inviteeId } })).referredById).toBe(inviter.userId);
    expect(await balanceOf(inviteeId)).toBe(10);
    expect(await balanceOf(inviter.userId)).toBe(10);

    const paid = renderText(await payStars(invitee, inviteeId, 'stx-ref-1'));
    expect(paid).toContain('Payment received: 50 credits added. Balance: 75.');
    expect(await balanceOf(inviteeId)).toBe(75);
    expect(await balanceOf(inviter.userId)).toBe(35);
    await payStars(invitee, inviteeId, 'stx-ref-1');
    expect(await balanceOf(inviteeId)).toBe(75);
    expect(await balanceOf(inviter.userId)).toBe(35);
    const payment = await prisma().payment.findFirstOrThrow({ where: { externalId: 'stx-ref-1' } });
    expect((await referralEntries(inviteeId)).map((entry) => [entry.idempotencyKey, entry.delta])).toEqual([
      [`referral:${inviteeId}:${payment.id}:invitee`, 15],
    ]);
    expect((await referralEntries(inviter.userId)).map((entry) => [entry.idempotencyKey, entry.delta])).toEqual([
      [`referral:${inviteeId}:${payment.id}:inviter`, 25],
    ]);
    expect((await inviteOf(inviter.chat)).text).toContain('Invited people who bought: 1. Credits earned: 25.');

    await payStars(invitee, inviteeId, 'stx-ref-2');
    expect(await balanceOf(inviteeId)).toBe(125);
    expect(await balanceOf(inviter.userId)).toBe(35);

    // Too late for another code once bought; and the account's referrer is set once.
    const other = await chatUser('5003');
    const late = renderText((await invitee.command('start', `ref_${(await inviteOf(other.chat)).code}`))[0]);
    expect(late).toContain('This account was already invited');
    expect((await prisma().user.findUniqueOrThrow({ where: { id: inviteeId } })).referredById).toBe(inviter.userId);
  });

  it('gives Discord users the web link, and applies a ?ref= code at a first Google sign-in', async () => {
    const discord = new ChatUser(h.t, '5401', 'en', 'discord');
    await discord.onboard();
    const { link, code } = await inviteOf(discord);
    expect(link).toBe(`${h.baseUrl}/?ref=${code}`);

    const client = h.client();
    await client.get(`/?ref=${code}`);
    const start = await client.get('/auth/google?next=%2Faccount');
    const consent = await fetch(new URL(start.location ?? ''), { redirect: 'manual' });
    const final = await client.get(consent.headers.get('location') ?? '');
    expect(final.status).toBe(303);
    expect(final.headers.getSetCookie().some((line) => /^ref=;/.test(line))).toBe(true);
    const user = await prisma().user.findUniqueOrThrow({ where: { email: 'google.invitee@example.com' } });
    const discordUser = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'discord', subject: '5401' } },
      })
    ).userId;
    expect(user.referredById).toBe(discordUser);
  });

  it('rewards once when two first purchases race', async () => {
    const inviter = await chatUser('5101');
    const { code } = await inviteOf(inviter.chat);
    const invitee = new ChatUser(h.t, '5102');
    await invitee.command('start', `ref_${code}`);
    await invitee.onboard();
    const inviteeId = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '5102' } },
      })
    ).userId;
    await Promise.all([
      payStars(invitee, inviteeId, 'stx-race-a'),
      payStars(invitee, inviteeId, 'stx-race-b'),
      payStars(invitee, inviteeId, 'stx-race-a'),
    ]);
    expect(await balanceOf(inviteeId)).toBe(10 + 50 + 50 + 15);
    expect(await balanceOf(inviter.userId)).toBe(10 + 25);
    expect(await referralEntries(inviteeId)).toHaveLength(1);
    expect(await referralEntries(inviter.userId)).toHaveLength(1);
  });

  it('invites through the web ?ref= link; the first Stripe checkout credits both, a refund of it takes both back', async () => {
    const inviterClient = h.client();
    const inviter = await register(inviterClient, 'inviter-web@example.com');
    const page = pageText((await inviterClient.get('/account')).text);
    expect(page).toContain('Invite friends');
    const code = /\?ref=([a-z0-9]+)/.exec(page)?.[1] ?? '';
    expect(page).toContain(`${h.baseUrl}/?ref=${code}`);
    expect(page).toContain(`https://t.me/${BOT}?start=ref_${code}`);

    const client = h.client();
    const landing = await client.get(`/?ref=${code}`);
    expect(landing.headers.get('set-cookie')).toMatch(/ref=[a-z0-9]+;.*Max-Age=86400/i);
    const invitee = await register(client, 'invitee-web@example.com');
    expect(invitee.location).toContain('referral=applied');
    expect(pageText((await client.get(invitee.location)).text)).toContain('Invitation accepted');
    expect((await prisma().user.findUniqueOrThrow({ where: { id: invitee.userId } })).referredById).toBe(
      inviter.userId,
    );

    const first = await buyStarter(client);
    expect(await balanceOf(invitee.userId)).toBe(75);
    expect(await balanceOf(inviter.userId)).toBe(35);
    expect(pageText((await inviterClient.get('/account')).text)).toContain(
      'Invited people who bought: 1. Credits earned: 25.',
    );
    await buyStarter(client);
    expect(await balanceOf(invitee.userId)).toBe(125);
    expect(await balanceOf(inviter.userId)).toBe(35);

    const refund = await stripe.refundCharge(await chargeOf(invitee.userId, first));
    await stripe.deliver(refund);
    expect(await balanceOf(invitee.userId)).toBe(125 - 50 - 15);
    expect(await balanceOf(inviter.userId)).toBe(10);
    expect((await referralEntries(inviter.userId)).map((entry) => [entry.kind, entry.delta])).toEqual([
      ['grant', 25],
      ['clawback', -25],
    ]);
    expect(pageText((await inviterClient.get('/account')).text)).toContain(
      'Invited people who bought: 0. Credits earned: 0.',
    );
  });

  it("counts a plan's first invoice, never its renewals", async () => {
    const inviterClient = h.client();
    const inviter = await register(inviterClient, 'inviter-plan@example.com');
    const code = await codeOf(inviterClient);
    const client = h.client();
    await client.get(`/pricing?ref=${code}`);
    const invitee = await register(client, 'invitee-plan@example.com');
    await client.get('/pricing');
    const response = await client.post('/checkout', { kind: 'plan', product: 'plus', currency: 'usd' });
    const sessionId = /\/checkout\/(cs_test_\w+)$/.exec(response.location ?? '')?.[1] ?? '';
    await stripe.completeCheckout(sessionId);
    expect(await balanceOf(invitee.userId)).toBe(10 + 300 + 15);
    expect(await balanceOf(inviter.userId)).toBe(35);
    const subscription = await prisma().subscription.findFirstOrThrow({ where: { userId: invitee.userId } });
    await stripe.renewSubscription(subscription.stripeSubscriptionId);
    expect(await prisma().payment.count({ where: { userId: invitee.userId } })).toBe(2);
    expect(await balanceOf(inviter.userId)).toBe(35);
    expect(await referralEntries(invitee.userId)).toHaveLength(1);
  });

  it("gives nothing for one's own code, an account of the same person, or accounts merged later", async () => {
    const self = await chatUser('5201');
    const own = await inviteOf(self.chat);
    expect(renderText((await self.chat.command('start', `ref_${own.code}`))[0])).toContain(
      'That invite link is your own',
    );
    expect((await prisma().user.findUniqueOrThrow({ where: { id: self.userId } })).referredById).toBeNull();

    // A invited B: B's code cannot then make A invited by B (a loop).
    const invited = new ChatUser(h.t, '5203');
    await invited.command('start', `ref_${own.code}`);
    await invited.onboard();
    const back = await inviteOf(invited);
    expect(renderText((await self.chat.command('start', `ref_${back.code}`))[0])).toContain(
      'That invite link is your own',
    );
    expect((await prisma().user.findUniqueOrThrow({ where: { id: self.userId } })).referredById).toBeNull();

    // The same Gmail mailbox under another spelling is the same person.
    const first = h.client();
    const gmail = await register(first, 'pat.doe@gmail.com');
    const code = await codeOf(first);
    const second = h.client();
    await second.get(`/?ref=${code}`);
    const twin = await register(second, 'patdoe+second@googlemail.com');
    expect(twin.location).toContain('referral=own_code');
    expect(pageText((await second.get(twin.location)).text)).toContain('That invite link is your own');
    await buyStarter(second);
    // No signup credits either: that mailbox had them already.
    expect(await balanceOf(twin.userId)).toBe(50);
    expect(await referralEntries(twin.userId)).toEqual([]);
    expect(await balanceOf(gmail.userId)).toBe(10);

    // A chat account invites a web account, then is linked into it: one person, no reward.
    const chat = await chatUser('5202');
    const chatInvite = await inviteOf(chat.chat);
    const web = h.client();
    await web.get(`/?ref=${chatInvite.code}`);
    const webAccount = await register(web, 'merged-later@example.com');
    expect(webAccount.location).toContain('referral=applied');
    await mergeAccounts(h.t.deps, {
      fromUserId: chat.userId,
      intoUserId: webAccount.userId,
      actor: 'test',
      origin: NO_ORIGIN,
    });
    await buyStarter(web);
    expect(await referralEntries(webAccount.userId)).toEqual([]);
    // The chat account's welcome credits are not combined with the web account's (one bonus per person).
    expect(await balanceOf(webAccount.userId)).toBe(10 + 50);
  });

  it('ignores unknown and garbage codes with a clear note, and the rest of /start still runs', async () => {
    const chat = new ChatUser(h.t, '5301');
    for (const payload of [
      'ref_zzzzzzzz',
      'ref_',
      'REF_0O1lI!!!',
      'ref_<script>alert(1)</script>',
      `ref_${'a'.repeat(60)}`,
    ]) {
      const replies = (await chat.command('start', payload)).map((reply) => renderText(reply));
      expect(replies[0], payload).toContain('That invite code is not known');
      expect(replies.join('\n')).toContain('You get 10 free credits once you accept the terms.');
    }
    expect(renderText((await chat.command('start', 'something-else'))[0])).toContain('Welcome');
    const userId = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '5301' } },
      })
    ).userId;
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).referredById).toBeNull();

    const client = h.client();
    const garbage = await client.get('/?ref=%3Cscript%3E');
    expect(garbage.headers.get('set-cookie') ?? '').not.toMatch(/\bref=/);
    await client.get('/?ref=nosuchco');
    const account = await register(client, 'unknown-code@example.com');
    expect(account.location).toContain('referral=unknown_code');
    expect(pageText((await client.get(account.location)).text)).toContain('That invite code is not known');
    expect((await prisma().user.findUniqueOrThrow({ where: { id: account.userId } })).referredById).toBeNull();
  });

  it("exports the code and the inviter's id; erasing the inviter leaves the invitee's credits alone", async () => {
    const inviterClient = h.client();
    const inviter = await register(inviterClient, 'inviter-erased@example.com');
    const code = await codeOf(inviterClient);
    const client = h.client();
    await client.get(`/?ref=${code}`);
    const invitee = await register(client, 'invitee-kept@example.com');
    const ownCode = await codeOf(client);
    await buyStarter(client);
    expect(await balanceOf(invitee.userId)).toBe(75);

    const exported = await exportUserData(h.t.deps, invitee.userId, 'test');
    expect(exported.referral).toEqual({ code: ownCode, referredById: inviter.userId });
    expect(JSON.stringify(exported)).not.toContain('inviter-erased@example.com');

    expect(await h.t.core.privacy.eraseOwnAccount({ userId: inviter.userId, password: PASSWORD, phrase: '' })).toBe(
      'erased',
    );
    expect(await balanceOf(invitee.userId)).toBe(75);
    expect(await referralEntries(invitee.userId)).toHaveLength(1);
  });

  it('takes the reward back from the inviter when the invitee erased the account and then got the purchase refunded', async () => {
    const inviterClient = h.client();
    const inviter = await register(inviterClient, 'inviter-keeps-nothing@example.com');
    const code = await codeOf(inviterClient);
    const client = h.client();
    await client.get(`/?ref=${code}`);
    const invitee = await register(client, 'invitee-leaves@example.com');
    const first = await buyStarter(client);
    expect(await balanceOf(inviter.userId)).toBe(35);
    const charge = await chargeOf(invitee.userId, first);

    expect(await h.t.core.privacy.eraseOwnAccount({ userId: invitee.userId, password: PASSWORD, phrase: '' })).toBe(
      'erased',
    );
    await stripe.deliver(await stripe.refundCharge(charge));
    expect(await balanceOf(inviter.userId)).toBe(10);
    expect((await referralEntries(inviter.userId)).map((entry) => [entry.kind, entry.delta])).toEqual([
      ['grant', 25],
      ['clawback', -25],
    ]);
  });
  it('takes back the share of the reward a partial refund refunds, all of it on a dispute, and gives it back when the dispute is won', async () => {
    const inviterClient = h.client();
    const inviter = await register(inviterClient, 'inviter-partial@example.com');
    const code = await codeOf(inviterClient);
    const client = h.client();
    await client.get(`/?ref=${code}`);
    const invitee = await register(client, 'invitee-partial@example.com');
    const first = await buyStarter(client);
    expect(await balanceOf(inviter.userId)).toBe(35);
    expect(await balanceOf(invitee.userId)).toBe(75);
    const charge = await chargeOf(invitee.userId, first);
    const payment = await prisma().payment.findFirstOrThrow({ where: { userId: invitee.userId } });

    // 249 of 499 cents back: that share of the pack (25 of 50) and of each reward (7 of 15, 12 of 25) go.
    expect(payment.amount).toBe(499);
    await stripe.refundCharge(charge, 249);
    expect(await balanceOf(invitee.userId)).toBe(75 - 25 - 7);
    expect(await balanceOf(inviter.userId)).toBe(35 - 12);
    expect(pageText((await inviterClient.get('/account')).text)).toContain(
      'Invited people who bought: 1. Credits earned: 13.',
    );

    // A dispute of the rest takes everything the purchase gave, once even when delivered twice.
    const disputed = await stripe.createDispute(charge);
    await stripe.deliver(disputed);
    expect(await balanceOf(invitee.userId)).toBe(10);
    expect(await balanceOf(inviter.userId)).toBe(10);
    expect(pageText((await inviterClient.get('/account')).text)).toContain(
      'Invited people who bought: 0. Credits earned: 0.',
    );

    // Won: back to the state after the partial refund, for the pack and for the rewards.
    const disputeId = (disputed.data.object as { id: string }).id;
    const won = await stripe.closeDispute(disputeId, 'won');
    await stripe.deliver(won);
    expect(await balanceOf(invitee.userId)).toBe(75 - 25 - 7);
    expect(await balanceOf(inviter.userId)).toBe(35 - 12);
    expect(pageText((await inviterClient.get('/account')).text)).toContain(
      'Invited people who bought: 1. Credits earned: 13.',
    );
  });

  it("refuses two accounts that apply each other's codes at the same time: one invitation at most", async () => {
    const a = await chatUser('5401');
    const b = await chatUser('5402');
    const [codeA, codeB] = [(await inviteOf(a.chat)).code, (await inviteOf(b.chat)).code];
    for (let round = 0; round < 5; round += 1) {
      await prisma().user.updateMany({ where: { id: { in: [a.userId, b.userId] } }, data: { referredById: null } });
      await Promise.all([a.chat.command('start', `ref_${codeB}`), b.chat.command('start', `ref_${codeA}`)]);
      const rows = await prisma().user.findMany({ where: { id: { in: [a.userId, b.userId] } } });
      expect(rows.filter((row) => row.referredById !== null).length).toBeLessThanOrEqual(1);
    }
  });

  it('takes the rewards back when the inviter and the invitee turn out to be one person by linking later', async () => {
    const chat = await chatUser('5501');
    const invite = await inviteOf(chat.chat);
    const web = h.client();
    await web.get(`/?ref=${invite.code}`);
    const webAccount = await register(web, 'linked-after-buying@example.com');
    await buyStarter(web);
    expect(await balanceOf(webAccount.userId)).toBe(10 + 50 + 15);
    expect(await balanceOf(chat.userId)).toBe(10 + 25);
    await mergeAccounts(h.t.deps, {
      fromUserId: chat.userId,
      intoUserId: webAccount.userId,
      actor: 'test',
      origin: NO_ORIGIN,
    });
    // One person cannot invite themselves: both rewards go (the chat account's welcome credits were never combined).
    expect(await balanceOf(webAccount.userId)).toBe(10 + 50);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: webAccount.userId } })).referredById).toBeNull();
  });

  it('applies invite codes only in a private chat', async () => {
    const inviter = await chatUser('5601');
    const code = (await inviteOf(inviter.chat)).code;
    const member = new ChatUser(h.t, '5602');
    await member.onboard();
    const inGroup = new ChatUser(h.t, '5602', 'en', 'telegram', '-100777');
    const replies = await inGroup.command('start', `ref_${code}`);
    expect(replies.map((reply) => renderText(reply)).join('\n')).not.toContain('Invitation');
    const userId = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '5602' } },
      })
    ).userId;
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).referredById).toBeNull();
  });
});
