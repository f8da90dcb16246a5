import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccountLabel, maskEmail, plainName, webAccountLabel } from '#core/accounts/account-label';
import { confirmLinkInChat } from '#core/accounts/confirm-link-in-chat';
import { createLinkToken } from '#core/accounts/create-link-token';
import { confirmLinkOnWeb, describeLinkToken } from '#core/accounts/link-chat-account';
import { translate } from '#core';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { lastLinkPrompt } from '#tests/web/support/chat-helpers';

const origin = { ip: '203.0.113.7', userAgent: 'test' };

describe('linking use cases: the web half and the chat half', () => {
  let t: TestCore;
  let counter = 0;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  async function webAccount(displayName: string): Promise<string> {
    counter += 1;
    return (
      await t.core.accounts.register({
        email: `core${counter}@example.com`,
        password: 'a long password',
        displayName,
        locale: 'en',
        isAgeConfirmed: true,
        hasAcceptedTerms: true,
        origin,
      })
    ).userId;
  }

  async function chatWithToken(
    subject: string,
    profile: { username?: string; displayName?: string } = {},
  ): Promise<{ chat: ChatUser; chatUserId: string; token: string }> {
    const chat = new ChatUser(t, subject);
    chat.profile = profile;
    await chat.onboard();
    const chatUserId = (
      await t.database.prisma.identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject } },
      })
    ).userId;
    const token = await createLinkToken(t.deps, {
      userId: chatUserId,
      platform: 'telegram',
      platformUserId: subject,
      ...profile,
    });
    return { chat, chatUserId, token };
  }

  it('describes a token by platform, username and display name, and nothing for garbage or used tokens', async () => {
    const { token } = await chatWithToken('6001', { username: 'six', displayName: 'Six One' });
    expect(await describeLinkToken(t.deps, token)).toEqual({
      platform: 'telegram',
      platformUserId: '6001',
      username: 'six',
      displayName: 'Six One',
    });
    expect(await describeLinkToken(t.deps, 'garbage')).toBeUndefined();
    const web = await webAccount('Web 6001');
    expect((await confirmLinkOnWeb(t.deps, { token, userId: web, origin })).outcome).toBe('awaiting_chat');
    expect(await describeLinkToken(t.deps, token)).toBeUndefined();
    await expect(confirmLinkOnWeb(t.deps, { token, userId: web, origin })).rejects.toMatchObject({
      code: 'token_invalid',
    });
  });

  it('joins nothing from the web alone, and uses no token when this process cannot reach the chat', async () => {
    const { chatUserId, token } = await chatWithToken('6002');
    const web = await webAccount('Web 6002');
    const result = await confirmLinkOnWeb({ ...t.deps, notifiers: {} }, { token, userId: web, origin });
    expect(result.outcome).toBe('chat_unreachable');
    expect(
      await t.database.prisma.oneTimeToken.count({
        where: { userId: chatUserId, kind: 'account_link_confirm', usedAt: null },
      }),
    ).toBe(0);
    expect(
      (
        await t.database.prisma.identity.findUniqueOrThrow({
          where: { provider_subject: { provider: 'telegram', subject: '6002' } },
        })
      ).userId,
    ).toBe(chatUserId);
  });

  it('refuses a second website account once the chat joined the first, naming the first', async () => {
    const { chat, chatUserId, token } = await chatWithToken('6003');
    const first = await webAccount('First');
    const second = await webAccount('Second');
    await confirmLinkOnWeb(t.deps, { token, userId: first, origin });
    const forFirst = lastLinkPrompt(t, chat).confirm;
    const other = await createLinkToken(t.deps, { userId: chatUserId, platform: 'telegram', platformUserId: '6003' });
    await confirmLinkOnWeb(t.deps, { token: other, userId: second, origin });
    const forSecond = lastLinkPrompt(t, chat).confirm;
    expect(forSecond).not.toBe(forFirst);

    expect(renderText((await chat.press('confirm_link', forFirst))[0])).toContain(
      'Linked: this chat now uses the website account First',
    );
    const refused = await chat.press('confirm_link', forSecond);
    expect(renderText(refused[0])).toMatch(
      /^This chat account is already linked to the website account First \(c\*\*\*@example\.com\)\. Nothing changed\.$/,
    );
    expect(
      (
        await t.database.prisma.identity.findUniqueOrThrow({
          where: { provider_subject: { provider: 'telegram', subject: '6003' } },
        })
      ).userId,
    ).toBe(first);
    expect(await t.database.prisma.auditLog.count({ where: { action: 'account.merge', targetUserId: second } })).toBe(
      0,
    );
  });

  it('refuses on the web a chat account that is itself a website account', async () => {
    const web = await webAccount('Has chat');
    await t.database.prisma.identity.create({ data: { userId: web, provider: 'telegram', subject: '6004' } });
    const token = await createLinkToken(t.deps, { userId: web, platform: 'telegram', platformUserId: '6004' });
    const other = await webAccount('Other');
    await expect(confirmLinkOnWeb(t.deps, { token, userId: other, origin })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('answers a press by another chat user (another id or platform) without joining or using anything', async () => {
    const { chat, chatUserId, token } = await chatWithToken('6005');
    const web = await webAccount('Web 6005');
    await confirmLinkOnWeb(t.deps, { token, userId: web, origin });
    const { confirm } = lastLinkPrompt(t, chat);
    const result = await confirmLinkInChat(t.deps, {
      token: confirm,
      presser: { platform: 'telegram', platformUserId: '6006' },
      accountId: chatUserId,
      origin,
    });
    expect(result).toEqual({ outcome: 'not_yours' });
    const discordPresser = await confirmLinkInChat(t.deps, {
      token: confirm,
      presser: { platform: 'discord', platformUserId: '6005' },
      accountId: chatUserId,
      origin,
    });
    expect(discordPresser).toEqual({ outcome: 'not_yours' });
    expect(
      await t.database.prisma.oneTimeToken.count({
        where: { userId: chatUserId, kind: 'account_link_confirm', usedAt: null },
      }),
    ).toBe(1);
  });

  it('names accounts in plain text only: masked email, no placeholders or markup from user-chosen names', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(plainName('{errors.internal}')).toBe('errors.internal');
    expect(plainName('[bank](https://evil.example) **bold**')).toBe('bank https evil.example bold');
    expect(webAccountLabel({ displayName: null, email: null })).toBe('{link.unnamed_account}');
    expect(
      translate('en', 'link.cancelled', {
        account: webAccountLabel({ displayName: '{link.invalid}', email: 'x@y.z' }),
      }),
    ).toBe('Cancelled. This chat account was not linked to link.invalid (x***@y.z).');
    expect(chatAccountLabel({ username: 'fox', displayName: 'Fiona', platformUserId: '1' })).toBe('@fox (Fiona)');
    expect(chatAccountLabel({ platformUserId: '42' })).toBe('id 42');
  });
});
