import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { buttonsOf, lastLinkPrompt } from '#tests/web/support/chat-helpers';

const origin = { ip: '203.0.113.5', userAgent: 'test' };

describe('/deleteme from a chat', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const ownerOf = async (subject: string) =>
    (await t.database.prisma.identity.findUnique({ where: { provider_subject: { provider: 'telegram', subject } } }))
      ?.userId;

  /** Links a chat user into a new password account through both confirmations. */
  async function linkToPasswordAccount(chat: ChatUser, email: string): Promise<string> {
    const { userId } = await t.core.accounts.register({
      email,
      password: 'a long password',
      displayName: 'Web',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin,
    });
    const text = renderText((await chat.command('link'))[0]);
    const token = /\/link\/([\w-]+)/.exec(text)?.[1] ?? '';
    expect((await t.core.accounts.confirmLinkOnWeb({ token, userId, origin })).outcome).toBe('awaiting_chat');
    expect(renderText((await chat.press('confirm_link', lastLinkPrompt(t, chat).confirm))[0])).toContain('Linked');
    return userId;
  }

  it('erases a chat-only account after its confirmation button', async () => {
    const chat = new ChatUser(t, '5101');
    await chat.onboard();
    const asked = await chat.command('deleteme');
    expect(buttonsOf(asked[0]).map((button) => button.action?.name)).toEqual(['confirm_delete', 'abort_delete']);
    expect(renderText((await chat.press('confirm_delete'))[0])).toBe('Your account and data are deleted. Goodbye.');
    expect(await ownerOf('5101')).toBeUndefined();
  });

  it('sends an account with a password to the website, where the password is asked, and keeps it', async () => {
    const chat = new ChatUser(t, '5102');
    await chat.onboard();
    const staleButton = await chat.command('deleteme');
    expect(buttonsOf(staleButton[0]).some((button) => button.action?.name === 'confirm_delete')).toBe(true);
    const userId = await linkToPasswordAccount(chat, 'erase-guard@example.com');

    const asked = await chat.command('deleteme');
    expect(renderText(asked[0])).toBe(
      'This account signs in on the website (with a password or Google), so it can only be deleted there, after you confirm with that sign-in: http://127.0.0.1:3999/account/privacy. Nothing was deleted.',
    );
    expect(buttonsOf(asked[0])).toEqual([]);
    const pressed = await chat.press('confirm_delete');
    expect(renderText(pressed[0])).toContain('can only be deleted there');
    expect(
      await t.database.prisma.user.findUnique({ where: { id: userId }, select: { status: true, email: true } }),
    ).toEqual({ status: 'active', email: 'erase-guard@example.com' });
    expect(await ownerOf('5102')).toBe(userId);
  });

  it('sends an account with a Google sign-in to the website too', async () => {
    const user = await t.database.prisma.user.create({
      data: {
        email: 'g-only@example.com',
        identities: {
          create: [
            { provider: 'google', subject: 'google-5103' },
            { provider: 'telegram', subject: '5103' },
          ],
        },
      },
    });
    const chat = new ChatUser(t, '5103');
    expect(renderText((await chat.command('deleteme'))[0])).toContain('can only be deleted there');
    expect(renderText((await chat.press('confirm_delete'))[0])).toContain('can only be deleted there');
    expect(await t.database.prisma.user.count({ where: { id: user.id } })).toBe(1);
  });
});
