import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUnreachableError } from '#core';
import { getBalance } from '#core/credits/get-balance';
import { reserveCredits } from '#core/credits/reserve-credits';
import { releaseReservation } from '#core/credits/settle-reservation';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import {
  buttonsOf,
  chatUserWithImage,
  lastLinkPrompt,
  linkBothSides,
  linkPathFrom,
} from '#tests/web/support/chat-helpers';
import { readOutbox } from '#tests/web/support/outbox';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

describe('/link: both sides confirm, each naming the other', () => {
  let h: WebHarness;
  let counter = 0;
  beforeAll(async () => {
    h = await startWebHarness({ startWorker: true });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  async function webUser(displayName = 'Linker'): Promise<{ client: WebClient; userId: string; email: string }> {
    counter += 1;
    const email = `linker${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', { email, password: 'a long password', displayName, age: 'yes', terms: 'yes' });
    return { client, email, userId: (await h.t.database.prisma.user.findUniqueOrThrow({ where: { email } })).id };
  }

  const identityOwner = async (platform: 'telegram' | 'discord', subject: string) =>
    (
      await h.t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: platform, subject } },
      })
    ).userId;

  it('names the chat account on the web, names the web account in the chat, and links only after both confirmed', async () => {
    const { chat, userId: chatUserId, generationId } = await chatUserWithImage(h.t, '8001');
    chat.profile = { username: 'fox_fan', displayName: 'Fiona Fox' };
    const path = await linkPathFrom(chat);
    const visitor = h.client();
    const signInFirst = await visitor.get(path);
    expect(pageText(signInFirst.text)).toContain('Sign in (or create an account) first');
    expect(signInFirst.text).toContain(`href="/login?next=${encodeURIComponent(path)}"`);

    const { client, userId, email } = await webUser('Alice Web');
    const page = await client.get(path);
    const shown = pageText(page.text);
    expect(shown).toContain('Join this Telegram account to your website account?');
    expect(shown).toContain('@fox_fan');
    expect(shown).toContain('Fiona Fox');
    expect(shown).toContain('8001');
    expect(shown).toContain('joined only when Confirm is pressed there');

    const webConfirmed = await client.post(path);
    expect(webConfirmed.status).toBe(200);
    expect(pageText(webConfirmed.text)).toContain(
      'we sent a message to the Telegram account @fox_fan. Press Confirm there within 10 minutes',
    );
    expect(await h.t.database.prisma.user.count({ where: { id: chatUserId } })).toBe(1);
    expect(await identityOwner('telegram', '8001')).toBe(chatUserId);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);

    const prompt = lastLinkPrompt(h.t, chat);
    expect(prompt.delivery.target).toMatchObject({ platform: 'telegram', chatId: '8001', chatType: 'private' });
    expect(renderText(prompt.reply)).toContain(
      `The website account Alice Web (l***@example.com) asks to join this Telegram account`,
    );
    expect(renderText(prompt.reply)).not.toContain(email);
    expect(buttonsOf(prompt.reply).map((button) => button.action?.name)).toEqual(['confirm_link', 'cancel_link']);

    const linked = await chat.press('confirm_link', prompt.confirm);
    expect(renderText(linked[0])).toBe(
      "Linked: this chat now uses the website account Alice Web (l***@example.com). 0 credits moved into it. The free sign-up credits are given once per person, and that account already had them, so this chat's 9 unspent free credits were not added.",
    );
    expect(await h.t.database.prisma.user.count({ where: { id: chatUserId } })).toBe(0);
    expect(await identityOwner('telegram', '8001')).toBe(userId);
    expect(
      (
        await h.t.database.prisma.identity.findUniqueOrThrow({
          where: { provider_subject: { provider: 'telegram', subject: '8001' } },
        })
      ).username,
    ).toBe('fox_fan');
    expect((await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id: generationId } })).userId).toBe(
      userId,
    );
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
    expect(await h.t.database.prisma.auditLog.count({ where: { action: 'account.merge', targetUserId: userId } })).toBe(
      1,
    );
    expect(renderText((await chat.command('balance'))[0])).toContain('Balance: 10 credits.');

    const mail = (await readOutbox(h.t.dataDir)).filter(
      (candidate) => candidate.to.includes(email) && candidate.subject === 'A chat account was linked to your account',
    );
    expect(mail).toHaveLength(1);
    expect(mail[0]?.text).toContain('the Telegram account @fox_fan (Fiona Fox) was just linked to your account');
    expect(mail[0]?.text).toContain(`${h.baseUrl}/account`);

    // Old buttons and the used address answer truthfully and change nothing.
    const again = await chat.press('confirm_link', prompt.confirm);
    expect(renderText(again[0])).toBe(
      'This chat account is already linked to the website account Alice Web (l***@example.com). Nothing changed.',
    );
    const cancelLate = await chat.press('cancel_link', prompt.cancel);
    expect(renderText(cancelLate[0])).toContain('already linked to the website account Alice Web');
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
    expect((await client.get(path)).status).toBe(400);
    expect((await client.post(path)).status).toBe(400);
  });

  it('links nothing when the chat cancels, when the button expires, or when someone else presses it', async () => {
    const chat = new ChatUser(h.t, '8011');
    await chat.onboard();
    const chatUserId = await identityOwner('telegram', '8011');
    const { client, userId } = await webUser('Bob');

    let path = await linkPathFrom(chat);
    await client.get(path);
    await client.post(path);
    const first = lastLinkPrompt(h.t, chat);
    const stranger = new ChatUser(h.t, '8012');
    expect(renderText((await stranger.press('confirm_link', first.confirm))[0])).toBe(
      'This button belongs to another chat account. Nothing changed.',
    );
    expect(renderText((await chat.press('cancel_link', first.cancel))[0])).toBe(
      'Cancelled. This chat account was not linked to Bob (l***@example.com).',
    );
    expect(renderText((await chat.press('confirm_link', first.confirm))[0])).toBe(
      'This request was already answered or replaced. Nothing changed. Send /link to start again.',
    );
    expect(await identityOwner('telegram', '8011')).toBe(chatUserId);

    path = await linkPathFrom(chat);
    await client.get(path);
    await client.post(path);
    const second = lastLinkPrompt(h.t, chat);
    expect(second.confirm).not.toBe(first.confirm);
    h.t.clock.advance(11 * 60_000);
    expect(renderText((await chat.press('confirm_link', second.confirm))[0])).toBe(
      'This request expired (requests work for 10 minutes). Nothing changed. Send /link to start again.',
    );
    expect(renderText((await chat.press('confirm_link', 'made-up-token-made-up-token-000'))[0])).toBe(
      'This button is no longer valid. Nothing changed. Send /link to start again.',
    );
    expect(await identityOwner('telegram', '8011')).toBe(chatUserId);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
  });

  it('keeps the button valid while a job of the chat account holds credits, and links once it is done', async () => {
    const { chat, userId: chatUserId } = await chatUserWithImage(h.t, '8002');
    const held = await reserveCredits(h.t.database.prisma, {
      userId: chatUserId,
      amount: 2,
      idempotencyKey: `hold:${chatUserId}`,
      expiresAt: new Date(h.t.clock.now().getTime() + 3_600_000),
      now: h.t.clock.now(),
    });
    const { client, userId } = await webUser();
    const path = await linkPathFrom(chat);
    await client.get(path);
    expect((await client.post(path)).status).toBe(200);
    const prompt = lastLinkPrompt(h.t, chat);
    const busy = await chat.press('confirm_link', prompt.confirm);
    expect(renderText(busy[0])).toContain('A job of this chat account is still running, so nothing was linked yet.');
    expect(await h.t.database.prisma.user.count({ where: { id: chatUserId } })).toBe(1);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);

    await releaseReservation(h.t.database.prisma, held.id, 'test', h.t.clock.now());
    expect(renderText((await chat.press('confirm_link', prompt.confirm))[0])).toContain('Linked');
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
  });

  it('joins once when the chat presses Confirm twice at the same moment', async () => {
    const { chat } = await chatUserWithImage(h.t, '8021');
    const { client, userId } = await webUser();
    const path = await linkPathFrom(chat);
    await client.get(path);
    await client.post(path);
    const { confirm } = lastLinkPrompt(h.t, chat);
    const answers = await Promise.all([chat.press('confirm_link', confirm), chat.press('confirm_link', confirm)]);
    const texts = answers.map((replies) => renderText(replies[0])).sort();
    expect(texts.filter((text) => text.startsWith('Linked'))).toHaveLength(1);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
    expect(await h.t.database.prisma.auditLog.count({ where: { action: 'account.merge', targetUserId: userId } })).toBe(
      1,
    );
  });

  it('says so when the chat account is already linked, refuses the chat token as a web address, and rejects made-up links', async () => {
    const { chat } = await chatUserWithImage(h.t, '8003');
    const { client } = await webUser();
    await linkBothSides(h.t, chat, client);
    const second = await linkPathFrom(chat);
    await client.get(second);
    const again = await client.post(second);
    expect(pageText(again.text)).toContain('already linked to this account');
    expect((await client.get('/link/not-a-real-token-at-all-000000')).status).toBe(400);

    const other = new ChatUser(h.t, '8004');
    await other.onboard();
    const path = await linkPathFrom(other);
    await client.get(path);
    await client.post(path);
    const { confirm } = lastLinkPrompt(h.t, other);
    expect((await client.get(`/link/${confirm}`)).status).toBe(400);
    expect((await client.post(`/link/${confirm}`)).status).toBe(400);
  });

  it('tells the website when the chat cannot be reached, and the link can be started again', async () => {
    const chat = new ChatUser(h.t, '8031');
    await chat.onboard();
    const { client } = await webUser();
    const path = await linkPathFrom(chat);
    await client.get(path);
    h.t.notifier.refuseNext(
      1,
      (delivery) => delivery.target.platformUserId === '8031',
      () => new ChatUnreachableError('blocked'),
    );
    const refused = await client.post(path);
    expect(refused.status).toBe(502);
    expect(pageText(refused.text)).toContain('We could not send the confirmation into that chat.');
    const sent = h.t.notifier.refused.at(-1);
    const confirm =
      buttonsOf(sent?.replies[0]).find((button) => button.action?.name === 'confirm_link')?.action?.arg ?? '';
    expect(renderText((await chat.press('confirm_link', confirm))[0])).toContain('already answered or replaced');
    expect((await client.post(path)).status).toBe(400);
  });

  it("announces a new link in the account's other chats", async () => {
    const telegram = new ChatUser(h.t, '8041');
    await telegram.onboard();
    const { client, userId } = await webUser('Carol');
    await linkBothSides(h.t, telegram, client);
    const discord = new ChatUser(h.t, '990000000000008041', 'en', 'discord');
    discord.profile = { username: 'carol_dc', displayName: 'Carol D' };
    await discord.onboard();
    const linked = await linkBothSides(h.t, discord, client);
    expect(renderText(linked[0])).toContain('Linked');
    expect(await identityOwner('discord', '990000000000008041')).toBe(userId);
    const announced = await h.t.notifier.waitFor(
      (delivery) =>
        delivery.target.platform === 'telegram' &&
        delivery.target.platformUserId === '8041' &&
        renderText(delivery.replies[0]).includes('carol_dc'),
    );
    expect(renderText(announced.replies[0])).toBe(
      `A Discord account, @carol_dc (Carol D), was just linked to your website account. If that was not you, remove it at ${h.baseUrl}/account and change your password.`,
    );
    expect(
      h.t.notifier.deliveries.some(
        (delivery) =>
          delivery.target.platform === 'discord' && renderText(delivery.replies[0]).startsWith('A Discord account'),
      ),
    ).toBe(false);
  });
});
