import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#core';
import { createWebApp } from '#web/create-web-app';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, WebClient } from '#tests/web/support/web-client';
import { lastLinkTo, readOutbox } from '#tests/web/support/outbox';
import { sessionKey } from '#core/accounts/web-session';

const PASSWORD = 'correct horse battery';

async function register(h: WebHarness, email: string, extra: Record<string, string> = {}): Promise<WebClient> {
  const client = h.client();
  await client.get('/register');
  const response = await client.post('/register', {
    email,
    password: PASSWORD,
    displayName: 'Ada',
    age: 'yes',
    terms: 'yes',
    ...extra,
  });
  expect(response.status).toBe(303);
  return client;
}

describe('web accounts: registration, sign-in, sessions, CSRF, throttling, verification, reset', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('registers with the terms, 13+ and a hashed password, grants the signup credits once and signs in', async () => {
    const client = await register(h, 'Ada@Example.com');
    const account = await client.get('/account?welcome=1');
    expect(account.status).toBe(200);
    expect(pageText(account.text)).toContain('10 credits');
    expect(pageText(account.text)).toContain('Welcome! Your account is ready');
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    expect(user.passwordHash).toMatch(/^scrypt\$v1\$N=32768,r=8,p=1\$/);
    expect(user.passwordHash).not.toContain(PASSWORD);
    expect(user.termsVersion).not.toBeNull();
    expect(user.ageConfirmedAt).not.toBeNull();
    const grants = await h.t.database.prisma.creditLedgerEntry.findMany({ where: { userId: user.id } });
    expect(grants.map((entry) => entry.idempotencyKey)).toEqual([`signup:${user.id}`]);
    const events = await h.t.database.prisma.securityEvent.findMany({ where: { userId: user.id } });
    expect(events.map((event) => event.kind)).toContain('register');
    expect(events.every((event) => event.ip !== null)).toBe(true);
  });

  it('refuses a short password, a missing 13+ confirmation and a taken email, keeping what was typed', async () => {
    const client = h.client();
    await client.get('/register');
    const short = await client.post('/register', {
      email: 'bob@example.com',
      password: 'short',
      displayName: 'Bob',
      age: 'yes',
      terms: 'yes',
    });
    expect(short.status).toBe(400);
    expect(pageText(short.text)).toContain('between 10 and 200 characters');
    expect(short.text).toContain('value="bob@example.com"');
    const noAge = await client.post('/register', {
      email: 'bob@example.com',
      password: PASSWORD,
      displayName: 'Bob',
      terms: 'yes',
    });
    expect(noAge.status).toBe(403);
    await register(h, 'taken@example.com');
    const taken = await client.post('/register', {
      email: 'TAKEN@example.com',
      password: PASSWORD,
      displayName: 'Bob',
      age: 'yes',
      terms: 'yes',
    });
    expect(taken.status).toBe(409);
    expect(pageText(taken.text)).toContain('already registered');
    expect(await h.t.database.prisma.user.count({ where: { email: 'bob@example.com' } })).toBe(0);
  });

  it('answers 403 to a form without or with a wrong CSRF token and changes nothing', async () => {
    const client = h.client();
    await client.get('/register');
    const missing = await client.post(
      '/register',
      { email: 'csrf@example.com', password: PASSWORD, displayName: 'C', age: 'yes', terms: 'yes' },
      { csrf: false },
    );
    expect(missing.status).toBe(403);
    expect(pageText(missing.text)).toContain('This form has expired');
    const wrong = await client.post(
      '/register',
      { email: 'csrf@example.com', password: PASSWORD, displayName: 'C', age: 'yes', terms: 'yes' },
      { csrf: 'x'.repeat(43) },
    );
    expect(wrong.status).toBe(403);
    const otherSession = h.client();
    await otherSession.get('/login');
    const foreign = await client.post(
      '/register',
      { email: 'csrf@example.com', password: PASSWORD, displayName: 'C', age: 'yes', terms: 'yes' },
      { csrf: otherSession.csrf ?? '' },
    );
    expect(foreign.status).toBe(403);
    expect(await h.t.database.prisma.user.count({ where: { email: 'csrf@example.com' } })).toBe(0);
  });

  it('signs in with a new session id (the old one is worthless), records it, and signs out', async () => {
    await register(h, 'carol@example.com');
    const client = h.client({ 'user-agent': 'CarolBrowser/1.0', 'x-forwarded-for': '198.51.100.77' });
    await client.get('/login');
    const before = client.cookies.get('sid');
    const response = await client.post('/login', {
      email: 'carol@example.com',
      password: PASSWORD,
      next: '/account/settings',
    });
    expect(response.status).toBe(303);
    expect(response.location).toBe('/account/settings');
    const after = client.cookies.get('sid');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(response.headers.getSetCookie().join('\n')).toMatch(/sid=.*HttpOnly.*SameSite=Lax/i);
    expect((await client.get('/account')).status).toBe(200);

    const attacker = h.client();
    attacker.cookies.set('sid', before ?? '');
    expect((await attacker.get('/account')).status).toBe(303);

    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'carol@example.com' } });
    const login = await h.t.database.prisma.securityEvent.findFirstOrThrow({
      where: { userId: user.id, kind: 'login.succeeded' },
    });
    expect(login.ip).toBe('198.51.100.77');
    expect(login.userAgent).toBe('CarolBrowser/1.0');
    const session = await h.t.database.prisma.webSession.findUniqueOrThrow({ where: { id: sessionKey(after ?? '') } });
    expect(session.userId).toBe(user.id);
    expect(await h.t.database.prisma.webSession.count({ where: { id: after ?? '' } })).toBe(0);

    const logout = await client.post('/logout');
    expect(logout.status).toBe(303);
    expect((await client.get('/account')).status).toBe(303);
    expect(await h.t.database.prisma.securityEvent.count({ where: { userId: user.id, kind: 'logout' } })).toBe(1);
    expect(await h.t.database.prisma.webSession.count({ where: { id: sessionKey(after ?? '') } })).toBe(0);
  });

  it('answers a wrong password and an unknown email alike, then throttles the account with 429 and Retry-After', async () => {
    await register(h, 'dave@example.com');
    const client = h.client();
    await client.get('/login');
    const unknown = await client.post('/login', { email: 'nobody@example.com', password: PASSWORD });
    const wrong = await client.post('/login', { email: 'dave@example.com', password: 'not the password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(pageText(wrong.text)).toContain('Wrong email or password.');
    expect(pageText(unknown.text)).toContain('Wrong email or password.');
    for (let attempt = 2; attempt <= 5; attempt += 1) {
      expect((await client.post('/login', { email: 'dave@example.com', password: `wrong ${attempt}` })).status).toBe(
        401,
      );
    }
    const throttled = await client.post('/login', { email: 'dave@example.com', password: PASSWORD });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(pageText(throttled.text)).toMatch(/Too many attempts\. Try again in (1 second|(?!1 )\d+ seconds)\./);
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'dave@example.com' } });
    expect(await h.t.database.prisma.securityEvent.count({ where: { userId: user.id, kind: 'login.failed' } })).toBe(5);
    expect(await h.t.database.prisma.securityEvent.count({ where: { userId: user.id, kind: 'login.throttled' } })).toBe(
      1,
    );
    const other = h.client();
    await other.get('/login');
    expect((await other.post('/login', { email: 'dave@example.com', password: PASSWORD })).status).toBe(429);
  });

  it('verifies the email with the emailed single-use link', async () => {
    const client = await register(h, 'erin@example.com');
    const page = await client.get('/account');
    expect(pageText(page.text)).toContain('Please confirm your email address');
    const { url, mail } = await lastLinkTo(h.t.dataDir, 'erin@example.com', '/verify-email/');
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.text).toContain(`please confirm your email address for your account at`);
    expect(mail.text).toContain(`\n\n${url}\n\n`);
    expect(mail.html).toContain('>Imagine</div>');
    expect(mail.html).toContain('please confirm your email address for your account at');
    expect(mail.html).toContain(`<a href="${url}"`);
    expect(mail.html).not.toMatch(/<(img|link|style|script)\b/i);
    const verified = await client.get(url);
    expect(verified.status).toBe(200);
    expect(pageText(verified.text)).toContain('your email address is confirmed');
    expect(
      (await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'erin@example.com' } })).emailVerifiedAt,
    ).not.toBeNull();
    expect((await client.get(url)).status).toBe(400);
    const tokens = await h.t.database.prisma.oneTimeToken.findMany({ where: { kind: 'email_verification' } });
    expect(tokens.every((token) => !url.includes(token.tokenHash))).toBe(true);
  });

  it('sends the verification link again on request, and throttles repeated requests', async () => {
    const client = await register(h, 'ivy@example.com');
    await client.get('/account');
    const again = await client.post('/account/verify-email');
    expect(again.location).toBe('/account?verification=sent');
    expect(pageText((await client.follow(again)).text)).toContain('A new confirmation link is on its way.');
    const mails = (await readOutbox(h.t.dataDir)).filter((mail) => mail.to.includes('ivy@example.com'));
    expect(mails).toHaveLength(2);
    await client.post('/account/verify-email');
    await client.post('/account/verify-email');
    const throttled = await client.post('/account/verify-email');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await readOutbox(h.t.dataDir)).filter((mail) => mail.to.includes('ivy@example.com'))).toHaveLength(4);
  });

  it('resets a password once with a 30-minute link, ending every session', async () => {
    const signedIn = await register(h, 'fay@example.com');
    const client = h.client();
    const asked = await client.submit('/forgot-password', '/forgot-password', { email: 'fay@example.com' });
    expect(asked.status).toBe(200);
    const unknown = await client.post('/forgot-password', { email: 'nobody-here@example.com' });
    expect(pageText(unknown.text)).toBe(pageText(asked.text));
    const { url } = await lastLinkTo(h.t.dataDir, 'fay@example.com', '/reset-password/');
    const path = new URL(url).pathname;
    expect((await client.get(path)).status).toBe(200);
    const tooShort = await client.post(path, { password: 'short' });
    expect(tooShort.status).toBe(400);
    const done = await client.post(path, { password: 'a brand new passphrase' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/login?reset=1');
    expect((await signedIn.get('/account')).status).toBe(303);
    await client.get('/login');
    expect((await client.post(path, { password: 'another new passphrase' })).status).toBe(400);
    expect((await client.post('/login', { email: 'fay@example.com', password: PASSWORD })).status).toBe(401);
    expect((await client.post('/login', { email: 'fay@example.com', password: 'a brand new passphrase' })).status).toBe(
      303,
    );
  });

  it('lets a reset link lapse after 30 minutes', async () => {
    await register(h, 'gus@example.com');
    const client = h.client();
    await client.submit('/forgot-password', '/forgot-password', { email: 'gus@example.com' });
    const { url } = await lastLinkTo(h.t.dataDir, 'gus@example.com', '/reset-password/');
    h.t.clock.advance(31 * 60 * 1000);
    const page = await client.get(new URL(url).pathname);
    expect(page.status).toBe(400);
    expect(pageText(page.text)).toContain('invalid or expired');
    expect((await client.post(new URL(url).pathname, { password: 'a brand new passphrase' })).status).toBe(400);
  });

  it('keeps an active session going (and its cookie) but ends one unused for 14 days', async () => {
    const client = await register(h, 'jan@example.com');
    h.t.clock.advance(8 * 86_400_000);
    const used = await client.get('/account');
    expect(used.status).toBe(200);
    const cookie = used.headers.getSetCookie().find((line) => line.startsWith('sid='));
    expect(Number(/Max-Age=(\d+)/.exec(cookie ?? '')?.[1])).toBeGreaterThan(13 * 86_400);
    h.t.clock.advance(13 * 86_400_000);
    expect((await client.get('/account')).status).toBe(200);
    h.t.clock.advance(15 * 86_400_000);
    expect((await client.get('/account')).status).toBe(303);
  });

  it('sends a visitor to sign in and back, and never to another site', async () => {
    const client = h.client();
    const account = await client.get('/account/settings');
    expect(account.status).toBe(303);
    expect(account.location).toBe('/login?next=%2Faccount%2Fsettings');
    await register(h, 'hal@example.com');
    await client.get('/login');
    const evil = await client.post('/login', {
      email: 'hal@example.com',
      password: PASSWORD,
      next: '//evil.example/steal',
    });
    expect(evil.location).toBe('/account');
  });
});

describe('request logs', () => {
  it('log each request once without passwords, emails or the tokens of emailed links', async () => {
    const h = await startWebHarness();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const app = createWebApp(h.t.core, { logger, trustProxy: false });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const client = new WebClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await client.get('/register');
      await client.post('/register', {
        email: 'logged@example.com',
        password: 'my secret passphrase',
        displayName: 'Log',
        age: 'yes',
        terms: 'yes',
      });
      await client.post('/logout');
      await client.submit('/forgot-password', '/forgot-password', { email: 'logged@example.com' });
      const { url } = await lastLinkTo(h.t.dataDir, 'logged@example.com', '/reset-password/');
      const token = url.split('/').pop() ?? '';
      await client.get(new URL(url).pathname);
      // Express routes ignore case: the same link with other capitals reaches the page and must not leak either.
      await client.get(new URL(url).pathname.replace('/reset-password/', '/Reset-Password/'));
      const all = lines.join('\n');
      expect(lines.length).toBeGreaterThanOrEqual(6);
      expect(all).toContain('/reset-password/[redacted]');
      expect(all).toContain('/Reset-Password/[redacted]');
      expect(all).not.toContain(token);
      expect(all).not.toContain('my secret passphrase');
      expect(all).not.toContain('logged@example.com');
    } finally {
      server.close();
      server.closeAllConnections();
      await h.close();
    }
  });

  it('log the full path of a request a sub-router answered, without its query', async () => {
    const h = await startWebHarness({ env: { ADMIN_EMAILS: 'logs@example.com' } });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const app = createWebApp(h.t.core, { logger, trustProxy: false });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const client = new WebClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await client.get('/register');
      await client.post('/register', {
        email: 'logs@example.com',
        password: 'my secret passphrase',
        displayName: 'Log',
        age: 'yes',
        terms: 'yes',
      });
      const { url } = await lastLinkTo(h.t.dataDir, 'logs@example.com', '/verify-email/');
      await client.get(new URL(url).pathname);
      await client.post('/admin/find', { ref: 'telegram:1' });
      await client.get('/admin/audit?changes=1');
      const paths = lines
        .map((line) => JSON.parse(line) as { method?: string; path?: string })
        .filter((line) => line.path?.startsWith('/admin') || line.path === '/find' || line.path === '/audit');
      expect(paths.map((line) => `${line.method} ${line.path}`)).toEqual(['POST /admin/find', 'GET /admin/audit']);
    } finally {
      server.close();
      server.closeAllConnections();
      await h.close();
    }
  });

  it('keep a well-formed client X-Request-Id and replace a long or odd one before it reaches a log line or a header', async () => {
    const h = await startWebHarness();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const app = createWebApp(h.t.core, { logger, trustProxy: false });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const good = await fetch(`${base}/login`, { headers: { 'x-request-id': 'edge-1.abc:DEF_9-z' } });
      expect(good.headers.get('x-request-id')).toBe('edge-1.abc:DEF_9-z');
      const bad = [
        'a'.repeat(129),
        'forged\tline',
        '<script>',
        'a b',
        '"quoted"',
        '{"admin":true}',
        '%0aInjected',
        'id;drop',
        'a/b',
        '../..',
      ];
      for (const id of bad) {
        const response = await fetch(`${base}/login`, { headers: { 'x-request-id': id } });
        const sent = response.headers.get('x-request-id') ?? '';
        expect(sent).not.toBe(id);
        expect(sent).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(
        (await fetch(`${base}/login`, { headers: { 'x-request-id': 'b'.repeat(128) } })).headers.get('x-request-id'),
      ).toBe('b'.repeat(128));
      const ids = lines
        .map((line) => (JSON.parse(line) as { requestId?: string }).requestId)
        .filter((id) => id !== undefined);
      expect(ids).toContain('edge-1.abc:DEF_9-z');
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      expect(lines.join('\n')).not.toContain('a'.repeat(129));
      expect(lines.join('\n')).not.toContain('Injected');
    } finally {
      server.close();
      server.closeAllConnections();
      await h.close();
    }
  });
});
