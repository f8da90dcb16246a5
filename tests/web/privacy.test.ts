import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '#core/catalog/catalog';
import { renderText } from '#tests/support/chat-driver';
import { chatUserWithImage, linkBothSides } from '#tests/web/support/chat-helpers';
import { lastLinkTo, readOutbox } from '#tests/web/support/outbox';
import { readZip } from '#tests/web/support/read-zip';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

const PASSWORD = 'a long password';

describe('privacy self-service', () => {
  let h: WebHarness;
  let counter = 0;
  beforeAll(async () => {
    h = await startWebHarness({ startWorker: true, stripe: true });
  });
  afterAll(async () => {
    await h.close();
  });

  async function webUser(): Promise<{ client: WebClient; userId: string; email: string }> {
    counter += 1;
    const email = `person${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: `Person ${counter}`,
      age: 'yes',
      terms: 'yes',
    });
    return { client, email, userId: (await h.t.database.prisma.user.findUniqueOrThrow({ where: { email } })).id };
  }

  /** A web user who linked a chat account with one picture (so the account has media). */
  async function webUserWithImage(platformUserId: string, prompt: string) {
    const { chat, generationId } = await chatUserWithImage(h.t, platformUserId, prompt);
    const user = await webUser();
    expect(renderText((await linkBothSides(h.t, chat, user.client))[0])).toContain('Linked');
    return { ...user, chat, generationId };
  }

  async function exportOf(client: WebClient): Promise<{ location: string; files: Map<string, Buffer>; ms: number }> {
    await client.get('/account/privacy');
    const started = Date.now();
    const asked = await client.post('/account/privacy/export');
    expect(asked.status).toBe(303);
    const download = await client.get(asked.location ?? '');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    return { location: asked.location ?? '', files: readZip(download.body), ms: Date.now() - started };
  }

  it('exports everything as a ZIP of data.json and the media files, within seconds, recorded as a completed request', async () => {
    const { client, userId, email, generationId } = await webUserWithImage('9001', 'a lighthouse at dusk');
    const { files, ms } = await exportOf(client);
    expect(ms).toBeLessThan(5_000);
    const data = JSON.parse(files.get('data.json')?.toString('utf8') ?? '{}') as {
      account: { email: string; passwordHash?: string };
      generations: { id: string; prompt: string }[];
      identities: { provider: string }[];
      media: { id: string; sha256: string }[];
      securityEvents: unknown[];
    };
    expect(data.account.email).toBe(email);
    expect(data.account.passwordHash).toBeUndefined();
    expect(data.generations.find((generation) => generation.id === generationId)?.prompt).toContain(
      'a lighthouse at dusk',
    );
    expect(data.identities.map((identity) => identity.provider)).toContain('telegram');
    expect(data.securityEvents.length).toBeGreaterThan(0);
    const asset = data.media[0];
    const file = files.get(`media/${asset?.id}.png`);
    expect(file).toBeDefined();
    expect(
      createHash('sha256')
        .update(file ?? Buffer.alloc(0))
        .digest('hex'),
    ).toBe(asset?.sha256);
    expect(files.get('README.txt')?.toString()).toContain('data.json');
    const request = await h.t.database.prisma.dataSubjectRequest.findFirstOrThrow({
      where: { userId, kind: 'export' },
      orderBy: { createdAt: 'desc' },
    });
    expect(request).toMatchObject({ status: 'completed', outcome: 'exported', channel: 'web' });
    expect(request.completedAt).not.toBeNull();
    const page = pageText((await client.get('/account/privacy')).text);
    expect(page).toContain('a copy of my data (download)');
    expect(page).toContain('data downloaded');
  });

  it('names purchases in the export’s README in the account’s language, never by catalog id', async () => {
    const { client, userId } = await webUser();
    await h.t.database.prisma.user.update({ where: { id: userId }, data: { locale: 'zh-CN' } });
    const paidAt = new Date('2026-11-02T10:00:00Z');
    await h.t.database.prisma.payment.createMany({
      data: [
        {
          userId,
          provider: 'stripe',
          externalId: 'pi_export_readme_1',
          amount: 499,
          currency: 'usd',
          credits: 50,
          status: 'succeeded',
          productId: 'starter',
          createdAt: paidAt,
        },
        {
          userId,
          provider: 'telegram_stars',
          externalId: 'stx_export_readme_2',
          amount: 250,
          currency: 'XTR',
          credits: 50,
          status: 'refunded',
          productId: 'starter',
          createdAt: paidAt,
        },
        {
          userId,
          provider: 'stripe',
          externalId: 'pi_export_readme_3',
          amount: 999,
          currency: 'usd',
          credits: 300,
          status: 'succeeded',
          productId: 'plus',
          createdAt: paidAt,
        },
      ],
    });
    const readme = (await exportOf(client)).files.get('README.txt')?.toString('utf8') ?? '';
    expect(readme).toContain('你的数据导出');
    expect(readme).toContain('data.json');
    expect(readme).toContain('付款记录：');
    expect(readme).toContain('2026-11-02  50 积分包  US$4.99  积分：50  已付款');
    expect(readme).toContain('2026-11-02  50 积分包  250 个 Telegram Stars  积分：50  已退款');
    expect(readme).toContain('2026-11-02  进阶套餐  US$9.99  积分：300  已付款');
    expect(readme).not.toMatch(/\b(starter|plus)\b/);
  });

  it('the export holds the Stripe customer id and the web sessions, and lists its own request as completed', async () => {
    const { client, userId } = await webUser();
    await h.t.database.prisma.stripeCustomer.create({ data: { userId, customerId: 'cus_export_test_1' } });
    const session = await h.t.database.prisma.webSession.findFirstOrThrow({ where: { userId } });
    expect(session.ip).not.toBeNull();
    const { files, location } = await exportOf(client);
    const data = JSON.parse(files.get('data.json')?.toString('utf8') ?? '{}') as {
      stripeCustomer: { customerId: string } | null;
      webSessions: {
        ip: string | null;
        userAgent: string | null;
        createdAt: string;
        lastRenewedAt: string;
        id?: string;
        data?: unknown;
      }[];
      dataRequests: { id: string; kind: string; status: string; completedAt: string | null }[];
    };
    expect(data.stripeCustomer?.customerId).toBe('cus_export_test_1');
    expect(data.webSessions).toEqual([
      expect.objectContaining({
        ip: session.ip,
        userAgent: session.userAgent,
        createdAt: session.createdAt.toISOString(),
        lastRenewedAt: expect.any(String),
      }),
    ]);
    expect(data.webSessions[0]).not.toHaveProperty('id');
    expect(data.webSessions[0]).not.toHaveProperty('data');
    const own = data.dataRequests.find((request) => location.includes(request.id));
    expect(own).toMatchObject({ kind: 'export', status: 'completed' });
    expect(own?.completedAt).not.toBeNull();
  });

  it('never gives one person another person’s export or media: 404', async () => {
    const alice = await webUserWithImage('9002', 'alice secret prompt');
    const bob = await webUser();
    const { location } = await exportOf(alice.client);
    const aliceMedia = await h.t.database.prisma.mediaAsset.findFirstOrThrow({ where: { userId: alice.userId } });
    expect((await bob.client.get(location)).status).toBe(404);
    expect((await bob.client.get(`/account/media/${aliceMedia.id}`)).status).toBe(404);
    expect((await alice.client.get(`/account/media/${aliceMedia.id}`)).status).toBe(200);
    expect((await bob.client.get('/account/media/not-an-id')).status).toBe(404);
    expect((await h.client().get(location)).status).toBe(303);
    const bobExport = await exportOf(bob.client);
    expect(bobExport.files.get('data.json')?.toString()).not.toContain('alice secret prompt');
    h.t.clock.advance(61 * 60 * 1000);
    expect((await alice.client.get(location)).status).toBe(404);
  });

  it('restricts processing (creation refused) and records objection, both reversible', async () => {
    const { client, userId, chat } = await webUserWithImage('9003', 'a quiet harbour');
    await client.get('/account/privacy');
    expect((await client.post('/account/privacy/restriction', { on: 'yes' })).location).toBe(
      '/account/privacy?saved=1',
    );
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).isProcessingRestricted).toBe(
      true,
    );
    const refused = await chat.command('imagine', 'another picture');
    expect(renderText(refused[0])).toContain('restrict processing');
    const page = pageText((await client.get('/account/privacy')).text);
    expect(page).toContain('Lift the restriction');
    expect(page).toContain('processing restricted');
    await client.post('/account/privacy/restriction', { on: 'no' });
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).isProcessingRestricted).toBe(
      false,
    );
    h.t.clock.advance(CATALOG.freeLimits.minSpacingMs);
    expect((await chat.command('imagine', 'another picture'))[0]?.type).toBe('status');

    await client.post('/account/privacy/objection', { on: 'yes' });
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).hasObjectedToAnalytics).toBe(
      true,
    );
    await client.post('/account/privacy/objection', { on: 'no' });
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).hasObjectedToAnalytics).toBe(
      false,
    );
    const outcomes = (
      await h.t.database.prisma.dataSubjectRequest.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } })
    ).map((request) => `${request.kind}:${request.outcome}`);
    expect(outcomes).toEqual([
      'restrict:restricted',
      'restrict:restriction_lifted',
      'object:objected',
      'object:objection_withdrawn',
    ]);
  });

  it('offers the eight languages by their own names in the account settings and keeps the one chosen', async () => {
    const { client, userId } = await webUser();
    const settings = await client.get('/account/settings');
    for (const [code, name] of [
      ['en', 'English'],
      ['zh-CN', '简体中文'],
      ['ru', 'Русский'],
      ['es', 'Español'],
      ['pt-BR', 'Português (Brasil)'],
      ['zh-TW', '繁體中文'],
      ['ja', '日本語'],
      ['id', 'Bahasa Indonesia'],
    ]) {
      expect(settings.text).toContain(`<option value="${code}" lang="${code}"`);
      expect(settings.text).toContain(`>${name}</option>`);
    }
    expect((await client.post('/account/profile', { displayName: 'Ana', locale: 'pt-BR' })).location).toBe(
      '/account?saved=1',
    );
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).locale).toBe('pt-BR');
    expect((await client.get('/account')).text).toContain('<html lang="pt-BR">');
    expect((await client.get('/account/settings')).text).toContain(
      '<option value="pt-BR" lang="pt-BR" selected>Português (Brasil)</option>',
    );
  });

  it('rectifies the display name and language at once, and the email only after the new address confirms', async () => {
    const { client, userId } = await webUser();
    await client.get('/account/settings');
    expect((await client.post('/account/profile', { displayName: '  Zoë  ', locale: 'zh-CN' })).location).toBe(
      '/account?saved=1',
    );
    const page = await client.get('/account');
    expect(page.text).toContain('<html lang="zh-CN">');
    expect(pageText(page.text)).toContain('你好，Zoë');
    await client.get('/account/settings');
    expect((await client.post('/account/email', { email: 'zoe.new@example.com' })).location).toBe(
      '/account/settings?email=sent',
    );
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).email).not.toBe(
      'zoe.new@example.com',
    );
    const { url } = await lastLinkTo(h.t.dataDir, 'zoe.new@example.com', '/verify-email/');
    expect((await client.get(url)).status).toBe(200);
    expect((await h.t.database.prisma.user.findUniqueOrThrow({ where: { id: userId } })).email).toBe(
      'zoe.new@example.com',
    );
    const rectify = await h.t.database.prisma.dataSubjectRequest.findMany({
      where: { userId, kind: 'rectify' },
      orderBy: { createdAt: 'asc' },
    });
    expect(rectify.map((request) => [request.status, request.outcome])).toEqual([
      ['completed', 'profile_updated'],
      ['completed', 'email_changed'],
    ]);
    const taken = await client.post('/account/email', { email: 'person1@example.com' });
    expect(taken.status).toBe(409);
  });

  it('erases the account after the password is confirmed, cancels its plan at Stripe, and it can no longer sign in', async () => {
    const { client, userId, email } = await webUser();
    await client.get('/pricing');
    const checkout = await client.post('/checkout', { kind: 'plan', product: 'plus', currency: 'usd' });
    const sessionId = /(cs_test_\w+)$/.exec(checkout.location ?? '')?.[1] ?? '';
    await h.stripe?.completeCheckout(sessionId);
    const subscription = await h.t.database.prisma.subscription.findFirstOrThrow({ where: { userId } });

    await client.get('/account/privacy');
    const wrong = await client.post('/account/delete', { password: 'not my password' });
    expect(wrong.status).toBe(401);
    expect(pageText(wrong.text)).toContain('nothing was deleted');
    expect(await h.t.database.prisma.user.count({ where: { id: userId } })).toBe(1);

    const erased = await client.post('/account/delete', { password: PASSWORD });
    expect(erased.status).toBe(200);
    expect(pageText(erased.text)).toContain('Your account and data are deleted');
    expect(await h.t.database.prisma.user.count({ where: { id: userId } })).toBe(0);
    expect(h.stripe?.subscriptions.get(subscription.stripeSubscriptionId)?.status).toBe('canceled');
    const payments = await h.t.database.prisma.payment.findMany({
      where: {
        externalId: { in: [...(h.stripe?.paymentIntents.keys() ?? [])] },
        userId: null,
        anonymizedAt: { not: null },
      },
    });
    expect(payments.length).toBeGreaterThan(0);
    expect((await client.get('/account')).status).toBe(303);
    await client.get('/login');
    expect((await client.post('/login', { email, password: PASSWORD })).status).toBe(401);
    expect(await h.t.core.privacy.eraseOwnAccount({ userId, password: PASSWORD, phrase: '' })).toBe('already_erased');
    expect(
      await h.t.database.prisma.dataSubjectRequest.count({ where: { kind: 'erase', outcome: 'erased', userId: null } }),
    ).toBeGreaterThan(0);
  });

  it('writes the confirmation of a request by email in the account’s language, else in the page’s', async () => {
    const { userId, email } = await webUser();
    await h.t.database.prisma.user.update({ where: { id: userId }, data: { locale: 'zh-CN' } });
    const visitor = h.client({ 'accept-language': 'en' });
    await visitor.get('/privacy/request');
    await visitor.post('/privacy/request', { email, kind: 'export', message: '' });
    const known = await lastLinkTo(h.t.dataDir, email, '/privacy/request/');
    expect(known.mail.subject).toBe('请确认你的数据请求');
    expect(known.mail.html).toContain('<html lang="zh-CN">');
    expect(known.mail.html).toContain(`<a href="${known.url}"`);
    await visitor.post('/privacy/request', { email: 'no-account-zh@example.com', kind: 'export', message: '' });
    const unknown = await lastLinkTo(h.t.dataDir, 'no-account-zh@example.com', '/privacy/request/');
    expect(unknown.mail.subject).toBe('Confirm your data request');
  });

  it('passes a confirmed correction request to support by a mail with text and HTML parts', async () => {
    const { email } = await webUser();
    const visitor = h.client();
    await visitor.get('/privacy/request');
    await visitor.post('/privacy/request', { email, kind: 'rectify', message: 'my name is wrong' });
    const path = new URL((await lastLinkTo(h.t.dataDir, email, '/privacy/request/')).url).pathname;
    await visitor.get(path);
    expect(pageText((await visitor.post(path)).text)).toContain('passed to our support team');
    const request = await h.t.database.prisma.dataSubjectRequest.findFirstOrThrow({
      where: { email, kind: 'rectify' },
    });
    const mail = (await readOutbox(h.t.dataDir)).findLast((candidate) => candidate.subject.includes(request.id));
    expect(mail?.to).toContain(h.t.deps.config.supportEmail);
    expect(mail?.subject).toBe(`Verified data request ${request.id} (rectify)`);
    expect(mail?.text).toContain(`A verified rectification request is waiting: request ${request.id}.`);
    expect(mail?.html).toContain(`A verified rectification request is waiting: request ${request.id}.`);
    expect(mail?.html).toContain('>Imagine</div>');
  });

  it('acts on a request by email only after its emailed link is opened and confirmed', async () => {
    const { userId, email } = await webUserWithImage('9004', 'a mountain hut');
    const visitor = h.client();
    await visitor.get('/privacy/request');
    const sent = await visitor.post('/privacy/request', {
      email,
      kind: 'export',
      message: 'I lost my password and my phone',
    });
    expect(sent.status).toBe(200);
    const unknown = await visitor.post('/privacy/request', {
      email: 'nobody-at-all@example.com',
      kind: 'export',
      message: '',
    });
    expect(pageText(unknown.text)).toBe(pageText(sent.text));
    const request = await h.t.database.prisma.dataSubjectRequest.findFirstOrThrow({ where: { email, kind: 'export' } });
    expect(request).toMatchObject({ status: 'pending_verification', channel: 'email', userId, verifiedAt: null });

    const { url, mail } = await lastLinkTo(h.t.dataDir, email, '/privacy/request/');
    expect(mail.subject).toBe('Confirm your data request');
    const path = new URL(url).pathname;
    const confirm = await visitor.get(path);
    expect(pageText(confirm.text)).toContain('You asked for: a copy of my data (download)');
    expect((await h.t.database.prisma.dataSubjectRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe(
      'pending_verification',
    );
    const download = await visitor.post(path);
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(readZip(download.body).get('data.json')?.toString()).toContain('a mountain hut');
    const done = await h.t.database.prisma.dataSubjectRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(done).toMatchObject({ status: 'completed', outcome: 'exported' });
    expect(done.verifiedAt).not.toBeNull();
    await visitor.get('/privacy/request');
    expect((await visitor.post(path)).status).toBe(400);

    const noAccount = await lastLinkTo(h.t.dataDir, 'nobody-at-all@example.com', '/privacy/request/');
    const stranger = h.client();
    await stranger.get(new URL(noAccount.url).pathname);
    expect(pageText((await stranger.post(new URL(noAccount.url).pathname)).text)).toContain(
      'We have no account with this email address',
    );
  });

  it('erases by emailed request only with the typed phrase', async () => {
    const { userId, email } = await webUser();
    const visitor = h.client();
    await visitor.get('/privacy/request');
    await visitor.post('/privacy/request', { email, kind: 'erase', message: '' });
    const path = new URL((await lastLinkTo(h.t.dataDir, email, '/privacy/request/')).url).pathname;
    await visitor.get(path);
    const wrong = await visitor.post(path, { phrase: 'please' });
    expect(wrong.status).toBe(400);
    expect(pageText(wrong.text)).toContain('The phrase did not match');
    expect(await h.t.database.prisma.user.count({ where: { id: userId } })).toBe(1);
    const done = await visitor.post(path, { phrase: 'Delete my account' });
    expect(pageText(done.text)).toContain('Your account and data are deleted.');
    expect(await h.t.database.prisma.user.count({ where: { id: userId } })).toBe(0);
  });
});
