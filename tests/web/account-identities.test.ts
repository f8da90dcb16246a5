import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { linkBothSides } from '#tests/web/support/chat-helpers';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

describe('the account page lists linked identities and removes one', () => {
  let h: WebHarness;
  let counter = 0;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  async function webUser(): Promise<{ client: WebClient; userId: string }> {
    counter += 1;
    const email = `owner${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', {
      email,
      password: 'a long password',
      displayName: `Owner ${counter}`,
      age: 'yes',
      terms: 'yes',
    });
    return { client, userId: (await h.t.database.prisma.user.findUniqueOrThrow({ where: { email } })).id };
  }

  const identity = (provider: 'telegram' | 'discord' | 'google', subject: string) =>
    h.t.database.prisma.identity.findUniqueOrThrow({ where: { provider_subject: { provider, subject } } });

  it('detaches a chat identity into a new, empty chat account; credits and history stay; the chat is told', async () => {
    const chat = new ChatUser(h.t, '7001');
    chat.profile = { username: 'detach_me' };
    await chat.onboard();
    const { client, userId } = await webUser();
    await linkBothSides(h.t, chat, client);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);

    const page = await client.get('/account');
    expect(pageText(page.text)).toContain('Telegram (detach_me)');
    const linked = await identity('telegram', '7001');
    expect(page.text).toContain(`action="/account/identities/${linked.id}/remove"`);

    expect((await client.post(`/account/identities/${linked.id}/remove`, {}, { csrf: false })).status).toBe(403);
    expect((await identity('telegram', '7001')).userId).toBe(userId);

    await client.get('/account');
    const removed = await client.post(`/account/identities/${linked.id}/remove`);
    expect(removed.status).toBe(200);
    expect(pageText(removed.text)).toContain(
      'Telegram detach_me is no longer linked to this account. Credits and history stay here',
    );
    expect(pageText(removed.text)).not.toContain('Telegram (detach_me)');

    const detached = await identity('telegram', '7001');
    expect(detached.userId).not.toBe(userId);
    const newAccount = await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: detached.userId } });
    expect(newAccount).toMatchObject({ email: null, passwordHash: null, status: 'active', termsAcceptedAt: null });
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
    expect((await getBalance(h.t.database.prisma, detached.userId, h.t.clock.now())).available).toBe(0);
    const told = await h.t.notifier.waitFor(
      (delivery) =>
        delivery.target.platformUserId === '7001' && renderText(delivery.replies[0]).includes('no longer linked'),
    );
    expect(renderText(told.replies[0])).toBe(
      `This Telegram account is no longer linked to the website account Owner ${counter} (o***@example.com). It is a separate, new chat account now.`,
    );
    expect(
      await h.t.database.prisma.auditLog.count({
        where: { action: 'account.identity_detached', targetUserId: userId },
      }),
    ).toBe(1);

    expect((await client.post(`/account/identities/${linked.id}/remove`)).status).toBe(404);
  });

  it('keeps a running suspension on the detached chat account', async () => {
    const chat = new ChatUser(h.t, '7002');
    await chat.onboard();
    const { client, userId } = await webUser();
    await linkBothSides(h.t, chat, client);
    const until = new Date(h.t.clock.now().getTime() + 7 * 86_400_000);
    await h.t.database.prisma.user.update({
      where: { id: userId },
      data: { status: 'suspended', suspendedUntil: until, suspendedReason: 'strikes' },
    });
    await h.t.database.prisma.suspension.create({ data: { userId, reason: 'strikes', endsAt: until } });
    await client.get('/account');
    expect((await client.post(`/account/identities/${(await identity('telegram', '7002')).id}/remove`)).status).toBe(
      200,
    );
    const detached = await h.t.database.prisma.user.findUniqueOrThrow({
      where: { id: (await identity('telegram', '7002')).userId },
      include: { suspensions: true },
    });
    expect(detached).toMatchObject({ status: 'suspended', suspendedUntil: until, suspendedReason: 'strikes' });
    expect(detached.suspensions.map((suspension) => suspension.endsAt?.getTime())).toEqual([until.getTime()]);
  });

  it('refuses to remove the last way to sign in, removes Google while a password remains, and never touches another account', async () => {
    const { client, userId } = await webUser();
    await h.t.database.prisma.identity.create({ data: { userId, provider: 'google', subject: `google-${userId}` } });
    const google = await identity('google', `google-${userId}`);
    await client.get('/account');
    const removed = await client.post(`/account/identities/${google.id}/remove`);
    expect(removed.status).toBe(200);
    expect(pageText(removed.text)).toContain('You no longer sign in with Google.');

    const { client: googleOnly, userId: googleUserId } = await webUser();
    await h.t.database.prisma.identity.create({
      data: { userId: googleUserId, provider: 'google', subject: `google-${googleUserId}` },
    });
    await h.t.database.prisma.user.update({ where: { id: googleUserId }, data: { passwordHash: null } });
    const lastOne = await identity('google', `google-${googleUserId}`);
    await googleOnly.get('/account');
    const refused = await googleOnly.post(`/account/identities/${lastOne.id}/remove`);
    expect(refused.status).toBe(409);
    expect(pageText(refused.text)).toContain(
      'This is the only way to sign in to this account on the website, so it cannot be removed.',
    );
    expect((await identity('google', `google-${googleUserId}`)).userId).toBe(googleUserId);

    await client.get('/account');
    expect((await client.post(`/account/identities/${lastOne.id}/remove`)).status).toBe(404);
    expect((await client.post('/account/identities/not-an-id/remove')).status).toBe(404);
    expect((await identity('google', `google-${googleUserId}`)).userId).toBe(googleUserId);
  });
});
