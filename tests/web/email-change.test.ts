import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';
import { lastLinkTo, readOutbox } from '#tests/web/support/outbox';

const PASSWORD = 'correct horse battery';

async function register(h: WebHarness, email: string): Promise<WebClient> {
  const client = h.client();
  await client.get('/register');
  const response = await client.post('/register', {
    email,
    password: PASSWORD,
    displayName: 'Ada',
    age: 'yes',
    terms: 'yes',
  });
  expect(response.status).toBe(303);
  return client;
}

async function signIn(h: WebHarness, email: string, password = PASSWORD): Promise<WebClient> {
  const client = h.client();
  await client.get('/login');
  expect((await client.post('/login', { email, password })).status).toBe(303);
  return client;
}

async function requestChange(client: WebClient, email: string): Promise<void> {
  const response = await client.submit('/account/settings', '/account/email', { email });
  expect(response.location).toBe('/account/settings?email=sent');
}

async function changeLink(h: WebHarness, to: string): Promise<string> {
  return new URL((await lastLinkTo(h.t.dataDir, to, '/verify-email/')).url).pathname;
}

async function emailOf(h: WebHarness, userId: string): Promise<string | null> {
  return (await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).email;
}

async function userIdOf(h: WebHarness, email: string): Promise<string> {
  return (await h.t.database.prisma.user.findUniqueOrThrow({ where: { email } })).id;
}

describe('web: email-change links against resets, newer requests, signing out everywhere; the undo link', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a password reset revokes a pending email-change link', async () => {
    const session = await register(h, 'reset-owner@example.com');
    const userId = await userIdOf(h, 'reset-owner@example.com');
    await requestChange(session, 'thief-1@example.com');
    const pending = await changeLink(h, 'thief-1@example.com');
    const owner = h.client();
    await owner.submit('/forgot-password', '/forgot-password', { email: 'reset-owner@example.com' });
    const { url } = await lastLinkTo(h.t.dataDir, 'reset-owner@example.com', '/reset-password/');
    await owner.get(new URL(url).pathname);
    expect((await owner.post(new URL(url).pathname, { password: 'a brand new passphrase' })).status).toBe(303);
    const opened = await h.client().get(pending);
    expect(opened.status).toBe(400);
    expect(pageText(opened.text)).toContain('That link is invalid or expired.');
    expect(await emailOf(h, userId)).toBe('reset-owner@example.com');
  });

  it('a newer change request revokes the earlier link; only the latest address can take effect', async () => {
    const session = await register(h, 'twice@example.com');
    const userId = await userIdOf(h, 'twice@example.com');
    await requestChange(session, 'first-choice@example.com');
    const first = await changeLink(h, 'first-choice@example.com');
    await requestChange(session, 'second-choice@example.com');
    const second = await changeLink(h, 'second-choice@example.com');
    expect((await session.get(first)).status).toBe(400);
    expect(await emailOf(h, userId)).toBe('twice@example.com');
    expect((await session.get(second)).status).toBe(200);
    expect(await emailOf(h, userId)).toBe('second-choice@example.com');
  });

  it('"sign out everywhere" ends every session and revokes pending change links', async () => {
    const thief = await register(h, 'everywhere@example.com');
    const userId = await userIdOf(h, 'everywhere@example.com');
    await requestChange(thief, 'thief-2@example.com');
    const pending = await changeLink(h, 'thief-2@example.com');
    const owner = await signIn(h, 'everywhere@example.com');
    const settings = await owner.get('/account/settings');
    expect(pageText(settings.text)).toContain('Sign out everywhere');
    const done = await owner.post('/account/sign-out-everywhere');
    expect(done.status).toBe(303);
    expect(done.location).toBe('/login?signed_out=everywhere');
    expect(pageText((await owner.follow(done)).text)).toContain('You were signed out everywhere');
    expect((await owner.get('/account')).status).toBe(303);
    expect((await thief.get('/account')).status).toBe(303);
    expect(await h.t.database.prisma.webSession.count({ where: { userId } })).toBe(0);
    expect((await thief.get(pending)).status).toBe(400);
    expect(await emailOf(h, userId)).toBe('everywhere@example.com');
    expect(await h.t.database.prisma.securityEvent.count({ where: { userId, kind: 'logout.everywhere' } })).toBe(1);
  });

  it('tells the old address of a change, with a link that undoes it once and signs out the other sessions', async () => {
    const thief = await register(h, 'victim@example.com');
    const userId = await userIdOf(h, 'victim@example.com');
    await requestChange(thief, 'thief-3@example.com');
    expect((await thief.get(await changeLink(h, 'thief-3@example.com'))).status).toBe(200);
    expect(await emailOf(h, userId)).toBe('thief-3@example.com');

    const { mail, url } = await lastLinkTo(h.t.dataDir, 'victim@example.com', '/undo-email-change/');
    expect(mail.subject).toBe('The email address of your account was changed');
    expect(mail.text).toContain('t***@example.com');
    expect(mail.text).toContain('within 7 days');
    expect(mail.text).not.toContain('thief-3@example.com');
    expect(mail.html).toContain('t***@example.com');
    expect(mail.html).toContain(`<a href="${url}"`);
    expect(mail.html).not.toContain('thief-3@example.com');
    const path = new URL(url).pathname;

    const owner = h.client();
    const page = await owner.get(path);
    expect(page.status).toBe(200);
    expect(pageText(page.text)).toContain('This restores victim@example.com as the address of your account');
    expect(await emailOf(h, userId)).toBe('thief-3@example.com');
    const undone = await owner.post(path);
    expect(undone.status).toBe(200);
    expect(pageText(undone.text)).toContain('Your account uses victim@example.com again');
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.email).toBe('victim@example.com');
    expect(user.emailVerifiedAt).not.toBeNull();
    expect((await thief.get('/account')).status).toBe(303);
    expect(await h.t.database.prisma.webSession.count({ where: { userId } })).toBe(0);
    expect(await h.t.database.prisma.securityEvent.count({ where: { userId, kind: 'email.change_undone' } })).toBe(1);

    const again = await owner.post(path);
    expect(again.status).toBe(400);
    expect(pageText(again.text)).toContain('That link is invalid or expired.');
    expect((await owner.get(path)).status).toBe(400);
    await signIn(h, 'victim@example.com');
  });

  it('a password reset sent to the new address is dropped by the undo', async () => {
    const thief = await register(h, 'victim-2@example.com');
    const userId = await userIdOf(h, 'victim-2@example.com');
    await requestChange(thief, 'thief-4@example.com');
    expect((await thief.get(await changeLink(h, 'thief-4@example.com'))).status).toBe(200);
    await thief.submit('/forgot-password', '/forgot-password', { email: 'thief-4@example.com' });
    const reset = new URL((await lastLinkTo(h.t.dataDir, 'thief-4@example.com', '/reset-password/')).url).pathname;
    await thief.get(reset);
    expect((await thief.post(reset, { password: 'the thief chose this' })).status).toBe(303);

    const { url } = await lastLinkTo(h.t.dataDir, 'victim-2@example.com', '/undo-email-change/');
    const owner = h.client();
    await owner.get(new URL(url).pathname);
    const undone = await owner.post(new URL(url).pathname);
    expect(undone.status).toBe(200);
    expect(pageText(undone.text)).toContain('Choose a new one with a reset link');
    expect(await emailOf(h, userId)).toBe('victim-2@example.com');
    const login = h.client();
    await login.get('/login');
    expect(
      (await login.post('/login', { email: 'victim-2@example.com', password: 'the thief chose this' })).status,
    ).toBe(401);
    expect(
      (await login.post('/login', { email: 'thief-4@example.com', password: 'the thief chose this' })).status,
    ).toBe(401);
  });

  it('keeps the undo link for 7 days only, and sends it only to the replaced address', async () => {
    const session = await register(h, 'slow@example.com');
    const userId = await userIdOf(h, 'slow@example.com');
    await requestChange(session, 'slow-new@example.com');
    expect((await session.get(await changeLink(h, 'slow-new@example.com'))).status).toBe(200);
    const { url } = await lastLinkTo(h.t.dataDir, 'slow@example.com', '/undo-email-change/');
    h.t.clock.advance(7 * 86_400_000 + 60_000);
    const owner = h.client();
    expect((await owner.get(new URL(url).pathname)).status).toBe(400);
    await owner.get('/login');
    expect((await owner.post(new URL(url).pathname)).status).toBe(400);
    expect(await emailOf(h, userId)).toBe('slow-new@example.com');
    const mailsToNew = (await readOutbox(h.t.dataDir)).filter(
      (mail) => mail.to.includes('slow-new@example.com') && mail.text.includes('/undo-email-change/'),
    );
    expect(mailsToNew).toHaveLength(0);
  });

  it('writes both email-change notices in the language the account chose, whatever the browser sends', async () => {
    const client = await register(h, 'zh-owner@example.com');
    const userId = await userIdOf(h, 'zh-owner@example.com');
    await h.t.database.prisma.user.update({ where: { id: userId }, data: { locale: 'zh-CN' } });
    await client.get('/lang/en');
    await requestChange(client, 'zh-new@example.com');
    const confirm = await lastLinkTo(h.t.dataDir, 'zh-new@example.com', '/verify-email/');
    expect(confirm.mail.subject).toBe('请确认你的新邮箱地址');
    expect(confirm.mail.text).toContain('打开以下链接即可确认');
    expect(confirm.mail.html).toContain('<html lang="zh-CN">');
    expect(confirm.mail.html).toContain(`<a href="${confirm.url}"`);
    expect((await client.get(new URL(confirm.url).pathname)).status).toBe(200);
    const notice = await lastLinkTo(h.t.dataDir, 'zh-owner@example.com', '/undo-email-change/');
    expect(notice.mail.subject).toBe('你账号的邮箱地址已更改');
    expect(notice.mail.html).toContain('本邮件与你的账号有关');
    expect(notice.mail.html).toContain(`<a href="${notice.url}"`);
  });

  it('answers a garbage undo token with the invalid-link page', async () => {
    const client = h.client();
    for (const token of ['x', 'constructor', '__proto__', 'A'.repeat(43)]) {
      const page = await client.get(`/undo-email-change/${token}`);
      expect(page.status).toBe(400);
      expect(pageText(page.text)).toContain('That link is invalid or expired.');
    }
  });
});
