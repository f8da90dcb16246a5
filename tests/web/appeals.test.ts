import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { lastLinkTo } from '#tests/web/support/outbox';
import { pageText, type WebClient } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'appeals-boss@example.com';

describe('appeals on the web: the account page form and the admin list', () => {
  let h: WebHarness;
  let admin: WebClient;

  beforeAll(async () => {
    h = await startWebHarness({ env: { ADMIN_EMAILS: ADMIN_EMAIL }, startWorker: false });
    admin = (await signUp(ADMIN_EMAIL)).client;
  });
  afterAll(async () => {
    await h.close();
  });

  const prisma = () => h.t.database.prisma;

  async function signUp(email: string): Promise<{ client: WebClient; userId: string }> {
    const client = h.client();
    await client.get('/register');
    const registered = await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: 'someone',
      age: 'yes',
      terms: 'yes',
    });
    expect(registered.status, registered.text).toBe(303);
    const { url } = await lastLinkTo(h.t.dataDir, email, '/verify-email/');
    expect((await client.get(url)).status).toBe(200);
    return { client, userId: (await prisma().user.findUniqueOrThrow({ where: { email } })).id };
  }

  it('shows a suspension in words with a form; refuses empty and too long text clearly; files one appeal and shows its state', async () => {
    const { client, userId } = await signUp('appellant@example.com');
    expect(pageText((await client.get('/account')).text)).not.toContain('Send the appeal');
    await h.t.core.admin.suspend({
      ref: { kind: 'id', id: userId },
      hours: 72,
      reason: 'spam links in prompts',
      actor: 'cli:test',
    });

    const page = pageText((await client.get('/account')).text);
    expect(page).toMatch(
      /Creating is paused on your account until .* UTC: spam links in prompts\. Your credits and creations stay on your account\./,
    );
    expect(page).toContain('Send the appeal');

    const empty = await client.post('/account/appeal', { text: '  ' });
    expect(empty.status).toBe(400);
    expect(pageText(empty.text)).toContain('Please write why you think the suspension is a mistake.');
    const long = await client.post('/account/appeal', { text: 'y'.repeat(1200) });
    expect(long.status).toBe(400);
    expect(pageText(long.text)).toContain('Your appeal is 1,200 characters; the limit is 1,000.');
    expect(await prisma().appeal.count({ where: { userId } })).toBe(0);

    const filed = await client.post('/account/appeal', { text: 'The links were to my own portfolio.' });
    expect(filed.status).toBe(303);
    expect(filed.headers.get('location')).toBe('/account?appeal=filed');
    const after = pageText((await client.get('/account?appeal=filed')).text);
    expect(after).toContain('Your appeal is filed. An admin will review it.');
    expect(after).toMatch(/Your appeal of .* is being reviewed\./);
    expect(after).not.toContain('Send the appeal');
    const again = await client.post('/account/appeal', { text: 'Again.' });
    expect(again.status).toBe(409);
    expect(pageText(again.text)).toMatch(/You already appealed this suspension on .* UTC/);
    expect(await prisma().appeal.count({ where: { userId } })).toBe(1);
  });

  it('lists open appeals with the blocked prompt; lifting one is audited, tells the user in chat and on the account page', async () => {
    const chat = new ChatUser(h.t, '8801');
    await chat.onboard();
    await chat.command('imagine', 'a 12 year old in lingerie');
    expect(
      renderText((await chat.command('appeal', 'It was for a clothing catalogue, but I see the problem.'))[0]),
    ).toContain('Your appeal is filed');
    const userId = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '8801' } },
      })
    ).userId;
    const appeal = await prisma().appeal.findFirstOrThrow({ where: { userId } });

    expect((await h.client().get('/admin/appeals')).status).toBe(404);
    const list = await admin.get('/admin/appeals');
    expect(list.status).toBe(200);
    const text = pageText(list.text);
    expect(text).toContain('a 12 year old in lingerie');
    expect(text).toContain('It was for a clothing catalogue, but I see the problem.');
    expect(text).toContain('severe_content (sexual_minors)');

    const lifted = await admin.post(`/admin/appeals/${appeal.id}/lift`, {});
    expect(lifted.status).toBe(303);
    expect(lifted.headers.get('location')).toBe('/admin/appeals?done=lifted');
    expect(pageText((await admin.get('/admin/appeals?done=lifted')).text)).toContain(
      'The appeal is accepted and the suspension lifted; the user is told.',
    );
    const twice = await admin.post(`/admin/appeals/${appeal.id}/keep`, {});
    expect(twice.status).toBe(409);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).status).toBe('active');
    expect(
      (
        await prisma().auditLog.findMany({
          where: { targetUserId: userId, action: { in: ['appeal.lift', 'appeal.keep', 'account.unsuspend'] } },
        })
      )
        .map((row) => row.action)
        .sort(),
    ).toEqual(['account.unsuspend', 'appeal.lift']);
    const told = h.t.notifier.deliveries.find((delivery) => delivery.target.platformUserId === '8801');
    expect(renderText(told?.replies[0])).toBe(
      'Your appeal was accepted: the suspension of your account is lifted and you can create again.',
    );
    expect(await h.t.core.accounts.suspensionStatus(userId)).toMatchObject({
      current: undefined,
      lastAppeal: { status: 'lifted' },
    });
    expect((await admin.post('/admin/appeals/not-a-uuid/lift', {})).status).toBe(404);
  });
});
