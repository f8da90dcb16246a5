import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCreation } from '#tests/web/support/creations';
import { lastLinkTo } from '#tests/web/support/outbox';
import { readZip } from '#tests/web/support/read-zip';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

const PASSWORD = 'a long password';
const ADMIN_EMAIL = 'moderator@example.com';
const BOT = 'imagine_share_bot';

/** The `content` of a `<meta property|name="...">` tag. */
function meta(page: string, name: string): string | undefined {
  return new RegExp(`<meta (?:property|name)="${name}" content="([^"]*)">`).exec(page)?.[1];
}

describe('public share pages', () => {
  let h: WebHarness;
  let admin: WebClient;
  let counter = 0;
  beforeAll(async () => {
    h = await startWebHarness({ env: { ADMIN_EMAILS: ADMIN_EMAIL, TELEGRAM_BOT_USERNAME: BOT } });
    admin = h.client();
    await admin.get('/register');
    await admin.post('/register', {
      email: ADMIN_EMAIL,
      password: PASSWORD,
      displayName: 'mod',
      age: 'yes',
      terms: 'yes',
    });
    const { url } = await lastLinkTo(h.t.dataDir, ADMIN_EMAIL, '/verify-email/');
    expect((await admin.get(url)).status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
  });

  const prisma = () => h.t.database.prisma;

  async function owner(): Promise<{ client: WebClient; userId: string; email: string }> {
    counter += 1;
    const email = `sharer${counter}@example.com`;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: `S ${counter}`,
      age: 'yes',
      terms: 'yes',
    });
    return { client, email, userId: (await prisma().user.findUniqueOrThrow({ where: { email } })).id };
  }

  /** Sets the share form of a creation as its owner would; returns the page's slug. */
  async function share(client: WebClient, generationId: string, fields: Record<string, string>): Promise<string> {
    await client.get(`/gallery/${generationId}`);
    const saved = await client.post(`/gallery/${generationId}/share`, fields);
    expect(saved.status).toBe(303);
    return (await prisma().generation.findUniqueOrThrow({ where: { id: generationId } })).shareSlug ?? '';
  }

  it('is off by default; publishing shows the picture signed out with Open Graph tags; unpublishing is a 404 at once', async () => {
    const me = await owner();
    const { generationId } = await insertCreation(h.t, {
      userId: me.userId,
      prompt: 'a paper boat on a puddle',
      options: { seed: 7, aspectRatio: '16:9' },
    });
    const detail = await me.client.get(`/gallery/${generationId}`);
    expect(pageText(detail.text)).toContain('Not published: only you can see this creation.');
    expect((await prisma().generation.findUniqueOrThrow({ where: { id: generationId } })).publishedAt).toBeNull();

    const slug = await share(me.client, generationId, { published: 'yes' });
    expect(slug).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(`r_${slug}`.length).toBeLessThanOrEqual(64);
    const shownToOwner = await me.client.get(`/gallery/${generationId}?shared=on`);
    expect(shownToOwner.text).toContain(`${h.baseUrl}/s/${slug}`);

    const visitor = h.client();
    const page = await visitor.get(`/s/${slug}`);
    expect(page.status).toBe(200);
    expect(meta(page.text, 'og:image')).toBe(`${h.baseUrl}/s/${slug}/media/1`);
    expect(meta(page.text, 'og:url')).toBe(`${h.baseUrl}/s/${slug}`);
    expect(meta(page.text, 'og:title')).toBe('A creation made with Imagine');
    expect(meta(page.text, 'twitter:card')).toBe('summary_large_image');
    expect(pageText(page.text)).toContain('The creator keeps the prompt private.');
    expect(page.text).not.toContain('a paper boat');
    expect(page.text).not.toContain('/create?remix=');
    const picture = await visitor.get(`/s/${slug}/media/1`);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(picture.headers.get('cache-control')).toBe('no-cache');
    expect((await visitor.get(`/s/${slug}/media/2`)).status).toBe(404);
    expect(await h.t.core.sharing.findRemixableCreation(slug)).toBeUndefined();
    const chinese = await h.client({ 'accept-language': 'zh-CN,zh;q=0.9' }).get(`/s/${slug}`);
    expect(meta(chinese.text, 'og:title')).toBe('用 Imagine 生成的作品');
    expect(pageText(chinese.text)).toContain('作者未公开提示词。');

    await share(me.client, generationId, { published: 'yes', showPrompt: 'yes' });
    const withPrompt = await visitor.get(`/s/${slug}`);
    expect(pageText(withPrompt.text)).toContain('a paper boat on a puddle');
    expect(meta(withPrompt.text, 'og:description')).toBe('a paper boat on a puddle');
    expect(pageText(withPrompt.text)).toMatch(/Seed\s+7/);
    expect(withPrompt.text).toContain(`href="https://t.me/${BOT}?start=r_${slug}"`);
    expect(withPrompt.text).toContain(`href="/create?remix=${slug}"`);
    expect(pageText(withPrompt.text)).toContain('In Discord, type: /imagine a paper boat on a puddle');
    expect(await h.t.core.sharing.findRemixableCreation(slug)).toEqual({
      prompt: 'a paper boat on a puddle',
      options: {
        kind: 'image',
        aspectRatio: '16:9',
        count: 1,
        quality: 'standard',
        durationSeconds: undefined,
        seed: 7,
      },
    });

    expect(await share(me.client, generationId, {})).toBe(slug);
    expect((await visitor.get(`/s/${slug}`)).status).toBe(404);
    expect(pageText((await visitor.get(`/s/${slug}`)).text)).toContain('no longer published');
    expect((await visitor.get(`/s/${slug}/media/1`)).status).toBe(404);
    expect(await h.t.core.sharing.findRemixableCreation(slug)).toBeUndefined();
    expect((await visitor.get('/s/AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await visitor.get('/s/..%2F..%2Fetc')).status).toBe(404);

    await share(me.client, generationId, { published: 'yes' });
    expect((await visitor.get(`/s/${slug}`)).status).toBe(200);
  });

  it('goes down when the owner is suspended or erases the account, and the export lists the published state', async () => {
    const me = await owner();
    const { generationId, assetIds } = await insertCreation(h.t, { userId: me.userId, prompt: 'a kite' });
    const slug = await share(me.client, generationId, { published: 'yes', showPrompt: 'yes' });
    await me.client.get(`/gallery/thumb/${assetIds[0]}`);

    await me.client.get('/account/privacy');
    const asked = await me.client.post('/account/privacy/export');
    const files = readZip((await me.client.get(asked.location ?? '')).body);
    const data = JSON.parse(files.get('data.json')?.toString('utf8') ?? '{}') as {
      generations: { id: string; isPublished: boolean; shareSlug: string; isPromptShared: boolean }[];
    };
    expect(data.generations.find((generation) => generation.id === generationId)).toMatchObject({
      isPublished: true,
      shareSlug: slug,
      isPromptShared: true,
    });

    const visitor = h.client();
    await prisma().user.update({
      where: { id: me.userId },
      data: { status: 'suspended', suspendedUntil: new Date(h.t.clock.now().getTime() + 60 * 60_000) },
    });
    expect((await visitor.get(`/s/${slug}`)).status).toBe(404);
    await prisma().user.update({ where: { id: me.userId }, data: { status: 'active', suspendedUntil: null } });
    expect((await visitor.get(`/s/${slug}`)).status).toBe(200);

    const keys = (await prisma().mediaAsset.findMany({ where: { userId: me.userId } })).map(
      (asset) => asset.storageKey,
    );
    expect(keys).toHaveLength(2);
    await me.client.get('/account/privacy');
    expect((await me.client.post('/account/delete', { password: PASSWORD })).status).toBe(200);
    expect((await visitor.get(`/s/${slug}`)).status).toBe(404);
    expect((await visitor.get(`/s/${slug}/media/1`)).status).toBe(404);
    for (const key of keys) expect(await h.t.deps.media.exists(key)).toBe(false);
  });

  it('takes reports from anyone (rate-limited) into the admin list, where unpublishing is confirmed and audited', async () => {
    const me = await owner();
    const { generationId } = await insertCreation(h.t, { userId: me.userId, prompt: 'a reported picture' });
    const slug = await share(me.client, generationId, { published: 'yes' });

    const reporter = h.client({ 'x-forwarded-for': '198.51.100.77' });
    const form = await reporter.get(`/s/${slug}/report`);
    expect(form.status).toBe(200);
    const empty = await reporter.post(`/s/${slug}/report`, { reason: '   ' });
    expect(empty.status).toBe(400);
    expect(pageText(empty.text)).toContain('Please give a reason of 1 to 500 characters.');
    expect((await reporter.post(`/s/${slug}/report`, { reason: 'x'.repeat(501) })).status).toBe(400);
    expect((await reporter.post(`/s/${slug}/report`, { reason: 'ok' }, { csrf: 'forged' })).status).toBe(403);
    const sent = await reporter.post(`/s/${slug}/report`, { reason: 'This looks like someone real.' });
    expect(sent.status).toBe(200);
    expect(pageText(sent.text)).toContain('The report went to our team');
    expect(await prisma().shareReport.count({ where: { generationId } })).toBe(1);
    for (let index = 0; index < 4; index += 1)
      expect((await reporter.post(`/s/${slug}/report`, { reason: `again ${index}` })).status).toBe(200);
    const limited = await reporter.post(`/s/${slug}/report`, { reason: 'one too many' });
    expect(limited.status).toBe(429);
    expect(await prisma().shareReport.count({ where: { generationId } })).toBe(5);
    expect((await h.client().post('/s/AAAAAAAAAAAAAAAA/report', { reason: 'x' }, { csrf: false })).status).toBe(403);

    expect((await me.client.get('/admin/reports')).status).toBe(404);
    const list = await admin.get('/admin/reports');
    expect(list.status).toBe(200);
    expect(pageText(list.text)).toContain('This looks like someone real.');
    expect(list.text).toContain(`href="/s/${slug}"`);
    const reportId = (
      await prisma().shareReport.findFirstOrThrow({ where: { generationId }, orderBy: { createdAt: 'asc' } })
    ).id;

    const confirm = await admin.post(`/admin/reports/${reportId}/unpublish`);
    expect(confirm.status).toBe(200);
    expect(pageText(confirm.text)).toContain(`The page /s/${slug} of account ${me.userId} will be taken down at once`);
    expect((await h.client().get(`/s/${slug}`)).status).toBe(200);

    const done = await admin.post(`/admin/reports/${reportId}/unpublish`, { confirmed: 'yes' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/admin/reports?done=unpublish');
    expect((await h.client().get(`/s/${slug}`)).status).toBe(404);
    expect(await prisma().shareReport.count({ where: { generationId, status: 'open' } })).toBe(0);
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { action: 'share_report.unpublish' } });
    expect(audit).toMatchObject({ targetUserId: me.userId, details: { reportId, generationId } });
    expect(pageText((await admin.get('/admin/reports')).text)).toContain('No open reports.');
    expect((await admin.post(`/admin/reports/${reportId}/dismiss`, { confirmed: 'yes' })).status).toBe(404);
    expect(pageText((await me.client.get(`/gallery/${generationId}`)).text)).toContain('Not published');
  });

  it('lets an admin dismiss a report and leave the page up', async () => {
    const me = await owner();
    const { generationId } = await insertCreation(h.t, { userId: me.userId, prompt: 'a fine picture' });
    const slug = await share(me.client, generationId, { published: 'yes' });
    const reporter = h.client();
    await reporter.get(`/s/${slug}/report`);
    expect((await reporter.post(`/s/${slug}/report`, { reason: 'I just do not like it' })).status).toBe(200);
    const report = await prisma().shareReport.findFirstOrThrow({ where: { generationId } });
    await admin.get('/admin/reports');
    expect((await admin.post(`/admin/reports/${report.id}/dismiss`, { confirmed: 'yes' })).status).toBe(303);
    expect((await prisma().shareReport.findUniqueOrThrow({ where: { id: report.id } })).status).toBe('dismissed');
    expect((await h.client().get(`/s/${slug}`)).status).toBe(200);
    expect(await prisma().auditLog.count({ where: { action: 'share_report.dismiss', targetUserId: me.userId } })).toBe(
      1,
    );
  });
});
