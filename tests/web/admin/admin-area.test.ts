import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { lastLinkTo } from '#tests/web/support/outbox';
import { pageText, type WebClient } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const PASSWORD = 'correct horse battery';
const ADMIN_EMAIL = 'boss@example.com';
const UNVERIFIED_ADMIN_EMAIL = 'new-boss@example.com';

describe('web admin area: gate, look-ups, credits, suspension, refunds, stats, audit', () => {
  let h: WebHarness;
  let admin: { client: WebClient; userId: string };
  let telegramIds = 7_000_000;

  beforeAll(async () => {
    h = await startWebHarness({ env: { ADMIN_EMAILS: `${ADMIN_EMAIL}, ${UNVERIFIED_ADMIN_EMAIL}` } });
    admin = await signUp(ADMIN_EMAIL, { verify: true });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  const prisma = () => h.t.database.prisma;
  const balanceOf = (userId: string) => getBalance(prisma(), userId, h.t.clock.now());
  const auditRows = (userId: string, action: string) =>
    prisma().auditLog.findMany({ where: { targetUserId: userId, action } });

  async function signUp(email: string, options: { verify: boolean }): Promise<{ client: WebClient; userId: string }> {
    const client = h.client();
    await client.get('/register');
    const registered = await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: email.split('@')[0] ?? 'x',
      age: 'yes',
      terms: 'yes',
    });
    expect(registered.status, registered.text).toBe(303);
    if (options.verify) {
      const { url } = await lastLinkTo(h.t.dataDir, email, '/verify-email/');
      expect((await client.get(url)).status).toBe(200);
    }
    const user = await prisma().user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt !== null).toBe(options.verify);
    return { client, userId: user.id };
  }

  /** A Telegram user who accepted the terms (and so holds the signup credits). */
  async function telegramUser(): Promise<{ telegramId: string; userId: string }> {
    telegramIds += 1;
    const telegramId = String(telegramIds);
    await new ChatUser(h.t, telegramId).onboard();
    const identity = await prisma().identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: telegramId } },
    });
    return { telegramId, userId: identity.userId };
  }

  /** Opens the user page and returns the one-time key of its grant or revoke form. */
  async function formKey(client: WebClient, userId: string, form: 'grant' | 'revoke'): Promise<string> {
    const page = await client.get(`/admin/users/${userId}`);
    expect(page.status).toBe(200);
    const key = new RegExp(`action="/admin/users/${userId}/${form}"[^]*?name="key" value="([^"]+)"`).exec(
      page.text,
    )?.[1];
    expect(key).toBeDefined();
    return key ?? '';
  }

  it('answers 404, like an unknown page, to visitors, non-admins and an unverified listed email, on every admin route, changing nothing', async () => {
    const target = await telegramUser();
    const before = await balanceOf(target.userId);
    const visitor = h.client();
    const plain = (await signUp('plain@example.com', { verify: true })).client;
    const unverified = (await signUp(UNVERIFIED_ADMIN_EMAIL, { verify: false })).client;

    const gets = [
      '/admin',
      '/admin/',
      '/admin/stats',
      '/admin/audit',
      '/admin/audit?changes=1',
      `/admin/users/${target.userId}`,
    ];
    const posts: [string, Record<string, string>][] = [
      ['/admin/find', { ref: `telegram:${target.telegramId}` }],
      [`/admin/users/${target.userId}/grant`, { amount: '50', reason: 'probe', key: 'probe-grant' }],
      [
        `/admin/users/${target.userId}/revoke`,
        { amount: '50', reason: 'probe', key: 'probe-revoke', confirmed: 'yes' },
      ],
      [`/admin/users/${target.userId}/suspend`, { hours: '1', reason: 'probe', confirmed: 'yes' }],
      [`/admin/users/${target.userId}/unsuspend`, { confirmed: 'yes' }],
      [`/admin/users/${target.userId}/payments/${target.userId}/refund`, { confirmed: 'yes' }],
    ];
    for (const client of [visitor, plain, unverified]) {
      const unknown = await client.get('/no-such-page');
      expect(unknown.status).toBe(404);
      for (const path of gets) {
        const response = await client.get(path);
        expect(response.status, `GET ${path}`).toBe(404);
        expect(pageText(response.text)).toBe(pageText(unknown.text));
      }
      await client.get('/privacy/request');
      expect(client.csrf).toBeDefined();
      for (const [path, fields] of posts) {
        const response = await client.post(path, fields);
        expect(response.status, `POST ${path}`).toBe(404);
        expect(pageText(response.text)).toBe(pageText(unknown.text));
      }
    }

    expect(await balanceOf(target.userId)).toEqual(before);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: target.userId } })).status).toBe('active');
    expect(
      await prisma().auditLog.count({ where: { actor: { startsWith: 'web:' }, targetUserId: target.userId } }),
    ).toBe(0);
    // The same routes are there for the admin.
    for (const path of gets) expect((await admin.client.get(path)).status, `admin GET ${path}`).toBe(200);
  });

  it('links the admin area in the navigation for admins only', async () => {
    expect((await admin.client.get('/account')).text).toContain('<a href="/admin">Admin</a>');
    const plain = (await signUp('plain-nav@example.com', { verify: true })).client;
    expect((await plain.get('/account')).text).not.toContain('href="/admin"');
    expect((await h.client().get('/pricing')).text).not.toContain('href="/admin"');
  });

  it('finds a user by telegram:<id> and shows the account, balance and sign-ins; the look-up is audited as web:<user id>', async () => {
    const target = await telegramUser();
    const home = await admin.client.get('/admin');
    expect(pageText(home.text)).toContain('Find a user');
    const found = await admin.client.post('/admin/find', { ref: `telegram:${target.telegramId}` });
    expect(found.status).toBe(303);
    expect(found.location).toBe(`/admin/users/${target.userId}`);
    const page = await admin.client.follow(found);
    const text = pageText(page.text);
    expect(text).toContain(target.userId);
    expect(text).toContain(`Telegram: ${target.telegramId}`);
    expect(/data-testid="available">(\d+)</.exec(page.text)?.[1]).toBe(
      String((await balanceOf(target.userId)).available),
    );

    const lookups = await auditRows(target.userId, 'admin.find_user');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.actor).toBe(`web:${admin.userId}`);
    const everything = await prisma().auditLog.findMany({ where: { actor: `web:${admin.userId}` } });
    expect(JSON.stringify(everything.map((row) => [row.actor, row.details]))).not.toContain(ADMIN_EMAIL);

    const nobody = await admin.client.post('/admin/find', { ref: 'telegram:1' });
    expect(nobody.status).toBe(404);
    expect(pageText(nobody.text)).toContain('No user matches that.');
    const garbage = await admin.client.post('/admin/find', { ref: 'not a user' });
    expect(garbage.status).toBe(400);
  });

  it('grants credits with a reason: the balance and ledger change and one audit row is written; the same form twice applies once', async () => {
    const target = await telegramUser();
    const before = (await balanceOf(target.userId)).available;
    const key = await formKey(admin.client, target.userId, 'grant');
    const fields = { amount: '25', reason: 'goodwill for a failed video', key };

    const granted = await admin.client.post(`/admin/users/${target.userId}/grant`, fields);
    expect(granted.status).toBe(303);
    expect(granted.location).toBe(`/admin/users/${target.userId}?done=granted`);
    expect((await balanceOf(target.userId)).available).toBe(before + 25);
    const page = pageText((await admin.client.follow(granted)).text);
    expect(page).toContain('Credits granted.');
    expect(page).toContain('goodwill for a failed video');

    const again = await admin.client.post(`/admin/users/${target.userId}/grant`, fields);
    expect(again.status).toBe(303);
    expect(again.location).toBe(`/admin/users/${target.userId}?done=repeated`);
    expect(pageText((await admin.client.follow(again)).text)).toContain('nothing changed the second time');

    expect((await balanceOf(target.userId)).available).toBe(before + 25);
    const grants = await prisma().creditLedgerEntry.findMany({
      where: { userId: target.userId, kind: 'grant', reason: fields.reason },
    });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ delta: 25, actor: `web:${admin.userId}` });
    const audits = await auditRows(target.userId, 'credits.grant');
    expect(audits).toHaveLength(1);
    expect(audits[0]?.actor).toBe(`web:${admin.userId}`);
    expect(audits[0]?.details).toMatchObject({ amount: 25, reason: fields.reason, key });
  });

  it('revokes more than the balance: the balance goes to zero and the rest is recorded as a debt', async () => {
    const target = await telegramUser();
    const before = (await balanceOf(target.userId)).available;
    expect(before).toBeGreaterThan(0);
    const key = await formKey(admin.client, target.userId, 'revoke');
    const revoked = await admin.client.post(`/admin/users/${target.userId}/revoke`, {
      amount: String(before + 7),
      reason: 'chargeback',
      key,
      confirmed: 'yes',
    });
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe(`/admin/users/${target.userId}?done=revoked`);

    const balance = await balanceOf(target.userId);
    expect(balance.available).toBe(0);
    expect(balance.debt).toBe(7);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: target.userId } })).creditDebt).toBe(7);
    const page = await admin.client.follow(revoked);
    expect(/data-testid="debt">(\d+)</.exec(page.text)?.[1]).toBe('7');
    const clawbacks = await prisma().creditLedgerEntry.findMany({ where: { userId: target.userId, kind: 'clawback' } });
    expect(clawbacks).toHaveLength(1);
    expect(clawbacks[0]).toMatchObject({
      delta: -before,
      debtDelta: 7,
      reason: 'chargeback',
      actor: `web:${admin.userId}`,
    });
    expect(await auditRows(target.userId, 'credits.revoke')).toHaveLength(1);
  });

  it('suspends for some hours with a reason and lifts it again; the user status follows', async () => {
    const target = await telegramUser();
    await admin.client.get(`/admin/users/${target.userId}`);
    const suspended = await admin.client.post(`/admin/users/${target.userId}/suspend`, {
      hours: '12',
      reason: 'spamming prompts',
      confirmed: 'yes',
    });
    expect(suspended.status).toBe(303);
    expect(suspended.location).toBe(`/admin/users/${target.userId}?done=suspended`);
    const user = await prisma().user.findUniqueOrThrow({ where: { id: target.userId } });
    expect(user.status).toBe('suspended');
    expect(user.suspendedReason).toBe('spamming prompts');
    expect(user.suspendedUntil?.getTime()).toBe(h.t.clock.now().getTime() + 12 * 3_600_000);
    const page = await admin.client.follow(suspended);
    expect(/data-testid="status">([^<]+)</.exec(page.text)?.[1]).toBe('suspended');
    expect(pageText(page.text)).toContain('Lift the suspension');
    expect(await auditRows(target.userId, 'account.suspend')).toHaveLength(1);

    const lifted = await admin.client.post(`/admin/users/${target.userId}/unsuspend`, { confirmed: 'yes' });
    expect(lifted.status).toBe(303);
    expect(lifted.location).toBe(`/admin/users/${target.userId}?done=unsuspended`);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: target.userId } })).status).toBe('active');
    expect(await auditRows(target.userId, 'account.unsuspend')).toHaveLength(1);

    const notSuspended = await admin.client.post(`/admin/users/${target.userId}/unsuspend`, { confirmed: 'yes' });
    expect(notSuspended.status).toBe(409);
    expect(pageText(notSuspended.text)).toContain('not suspended; nothing changed');
  });

  it('refuses a form without the CSRF token (403) and changes nothing', async () => {
    const target = await telegramUser();
    const before = await balanceOf(target.userId);
    const key = await formKey(admin.client, target.userId, 'grant');
    const auditsBefore = await prisma().auditLog.count({ where: { targetUserId: target.userId } });

    const grant = await admin.client.post(
      `/admin/users/${target.userId}/grant`,
      { amount: '40', reason: 'no token', key },
      { csrf: false },
    );
    expect(grant.status).toBe(403);
    expect(pageText(grant.text)).toContain('This form has expired or did not come from this site');
    const revoke = await admin.client.post(
      `/admin/users/${target.userId}/revoke`,
      { amount: '5', reason: 'no token', key: 'other' },
      { csrf: false },
    );
    expect(revoke.status).toBe(403);
    const suspend = await admin.client.post(
      `/admin/users/${target.userId}/suspend`,
      { reason: 'no token' },
      { csrf: 'forged-token' },
    );
    expect(suspend.status).toBe(403);

    expect(await balanceOf(target.userId)).toEqual(before);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: target.userId } })).status).toBe('active');
    expect(await prisma().auditLog.count({ where: { targetUserId: target.userId } })).toBe(auditsBefore);
    // The same form with its token goes through: the key was not used up.
    expect(
      (await admin.client.post(`/admin/users/${target.userId}/grant`, { amount: '40', reason: 'with token', key }))
        .location,
    ).toContain('done=granted');
    expect((await balanceOf(target.userId)).available).toBe(before.available + 40);
  });

  it('refuses bad form values with the reason on the page (400) and changes nothing', async () => {
    const target = await telegramUser();
    const before = await balanceOf(target.userId);
    const key = await formKey(admin.client, target.userId, 'grant');
    const cases: [string, Record<string, string>, string][] = [
      ['grant', { amount: '-5', reason: 'x', key }, 'Credits must be a whole number'],
      ['grant', { amount: '5', reason: '   ', key }, 'Please give a reason'],
      ['grant', { amount: '5', reason: 'x', key: '' }, 'no one-time key'],
      ['suspend', { hours: '0', reason: 'x' }, 'Hours must be a whole number'],
    ];
    for (const [action, fields, message] of cases) {
      const response = await admin.client.post(`/admin/users/${target.userId}/${action}`, fields);
      expect(response.status, action).toBe(400);
      expect(pageText(response.text)).toContain(message);
    }
    expect(await balanceOf(target.userId)).toEqual(before);
    expect((await prisma().user.findUniqueOrThrow({ where: { id: target.userId } })).status).toBe('active');
  });

  it('points to the command line for a Stars refund when this process has no Telegram token', async () => {
    const target = await telegramUser();
    const payment = await prisma().payment.create({
      data: {
        userId: target.userId,
        provider: 'telegram_stars',
        externalId: `charge-${target.telegramId}`,
        amount: 50,
        currency: 'XTR',
        credits: 50,
        status: 'succeeded',
        productId: 'starter',
      },
    });
    const page = pageText((await admin.client.get(`/admin/users/${target.userId}`)).text);
    expect(page).toContain(`npm run admin -- refund-payment ${payment.id}`);
    const refused = await admin.client.post(`/admin/users/${target.userId}/payments/${payment.id}/refund`);
    expect(refused.status).toBe(503);
    expect(pageText(refused.text)).toContain(
      `Refund it from the command line where the provider is set up: npm run admin -- refund-payment ${payment.id}`,
    );
    expect(pageText(refused.text)).toContain('TELEGRAM_BOT_TOKEN is not set');
    expect((await prisma().payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('succeeded');
  });

  it('shows statistics and the audit log (optionally changes only), in English and Chinese', async () => {
    const target = await telegramUser();
    const key = await formKey(admin.client, target.userId, 'grant');
    await admin.client.post(`/admin/users/${target.userId}/grant`, { amount: '3', reason: 'audit me', key });

    const stats = await admin.client.get('/admin/stats');
    expect(stats.status).toBe(200);
    const statsText = pageText(stats.text);
    for (const heading of ['Users by status', 'Generations by status', 'Sold', 'Spent', 'Taken back'])
      expect(statsText).toContain(heading);
    const active = await prisma().user.count({ where: { status: 'active' } });
    expect(stats.text).toMatch(
      new RegExp(`<th scope="row">active</th><td class="num">\\d+</td><td class="num">${active}</td>`),
    );

    const audit = pageText((await admin.client.get('/admin/audit')).text);
    expect(audit).toContain('credits.grant');
    expect(audit).toContain('"reason":"audit me"');
    expect(audit).toContain('admin.view_balance');
    const changes = pageText((await admin.client.get('/admin/audit?changes=1')).text);
    expect(changes).toContain('credits.grant');
    expect(changes).not.toContain('admin.view_balance');

    admin.client.cookies.set('lang', 'zh-CN');
    try {
      const zh = pageText((await admin.client.get(`/admin/users/${target.userId}`)).text);
      expect(zh).toContain('发放积分');
      expect(zh).toContain('审计日志');
      expect(pageText((await admin.client.get('/admin/stats')).text)).toContain('按状态统计的用户');
    } finally {
      admin.client.cookies.delete('lang');
    }
  });
});
