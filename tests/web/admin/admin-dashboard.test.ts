import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUser } from '#tests/support/chat-driver';
import { lastLinkTo } from '#tests/web/support/outbox';
import { pageText, type WebClient } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const ADMIN_EMAIL = 'charts@example.com';
const DAY = 86_400_000;

/** The `data-marks` count (bars, dots) of the chart whose caption is `title`. */
function marksOf(page: string, title: string): number {
  const chart = new RegExp(
    `<figcaption>${title.replace(/[()]/g, '\\$&')}</figcaption>\\s*<svg[^>]*data-marks="(\\d+)"`,
  ).exec(page);
  expect(chart, `a chart titled ${title}`).not.toBeNull();
  return Number(chart?.[1]);
}

describe('web admin dashboard: the last 30 days as charts, with the exact figures', () => {
  let h: WebHarness;
  let admin: WebClient;

  beforeAll(async () => {
    h = await startWebHarness({ startWorker: true, env: { ADMIN_EMAILS: ADMIN_EMAIL } });
    admin = h.client();
    await admin.get('/register');
    expect(
      (
        await admin.post('/register', {
          email: ADMIN_EMAIL,
          password: 'correct horse battery',
          displayName: 'charts',
          age: 'yes',
          terms: 'yes',
        })
      ).status,
    ).toBe(303);
    const { url } = await lastLinkTo(h.t.dataDir, ADMIN_EMAIL, '/verify-email/');
    expect((await admin.get(url)).status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
  });

  const prisma = () => h.t.database.prisma;

  it('draws generations, revenue, credits and provider health from what happened, and the queue now', async () => {
    const chat = new ChatUser(h.t, '7300001');
    await chat.onboard();
    const userId = (
      await prisma().identity.findUniqueOrThrow({
        where: { provider_subject: { provider: 'telegram', subject: '7300001' } },
      })
    ).userId;
    expect((await chat.command('imagine', 'a fox in the snow'))[0]?.type).toBe('status');
    for (let tries = 0; tries < 150; tries += 1) {
      if ((await prisma().generation.count({ where: { userId, status: 'succeeded' } })) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const succeeded = await prisma().generation.findFirstOrThrow({ where: { userId, status: 'succeeded' } });
    // The test clock stands still while the demo provider works: give the job a time at the provider.
    await prisma().generation.update({
      where: { id: succeeded.id },
      data: { finishedAt: new Date((succeeded.startedAt ?? new Date()).getTime() + 2_500) },
    });
    // Three days ago: a failed video and two payments; 40 days ago: outside the period.
    const threeDaysAgo = new Date(h.t.clock.now().getTime() - 3 * DAY);
    await prisma().generation.create({
      data: {
        userId,
        kind: 'video',
        cost: 10,
        status: 'failed',
        provider: succeeded.provider,
        model: succeeded.model,
        createdAt: threeDaysAgo,
        startedAt: threeDaysAgo,
        finishedAt: new Date(threeDaysAgo.getTime() + 4_000),
      },
    });
    await prisma().generation.create({
      data: {
        userId,
        kind: 'image',
        cost: 1,
        status: 'succeeded',
        provider: 'old',
        model: 'gone',
        createdAt: new Date(h.t.clock.now().getTime() - 40 * DAY),
      },
    });
    await prisma().payment.create({
      data: {
        userId,
        provider: 'stripe',
        externalId: 'pi_chart_1',
        amount: 499,
        currency: 'usd',
        credits: 100,
        status: 'succeeded',
        createdAt: threeDaysAgo,
      },
    });
    await prisma().payment.create({
      data: {
        userId,
        provider: 'telegram_stars',
        externalId: 'stx_chart_1',
        amount: 250,
        currency: 'XTR',
        credits: 50,
        status: 'refunded',
        createdAt: threeDaysAgo,
      },
    });
    await prisma().payment.create({
      data: {
        userId,
        provider: 'stripe',
        externalId: 'pi_chart_pending',
        amount: 999,
        currency: 'usd',
        credits: 200,
        status: 'pending',
        createdAt: threeDaysAgo,
      },
    });

    const response = await admin.get('/admin');
    expect(response.status).toBe(200);
    const page = response.text;
    expect(page).not.toContain('<script');
    expect(marksOf(page, 'Generations per day, by status')).toBe(2);
    expect(marksOf(page, 'Generations per day, by kind')).toBe(2);
    expect(marksOf(page, 'Revenue per day in USD, by payment method')).toBe(1);
    expect(marksOf(page, 'Revenue per day in XTR, by payment method')).toBe(1);
    expect(marksOf(page, 'Credits per day: granted, spent and refunded')).toBeGreaterThanOrEqual(2);
    expect(marksOf(page, 'Time at the provider per model (succeeded generations)')).toBe(2);
    expect(marksOf(page, 'Error rate per model')).toBe(1);
    expect(page).toContain('<title>');
    expect(page).not.toContain('gone');

    const text = pageText(page);
    expect(text).toContain('Queue now: 0 waiting, 0 running, 0 uploading.');
    const today = h.t.clock.now().toISOString().slice(0, 10);
    const day = threeDaysAgo.toISOString().slice(0, 10);
    const rowOf = (date: string) =>
      new RegExp(`<tr><th scope="row">${date}</th>(.*?)</tr>`).exec(page)?.[1]?.replace(/<[^>]+>/g, '|');
    // Generations, succeeded, failed, credits granted (two sign-up bonuses), spent, refunded; revenue.
    expect(rowOf(today)).toBe(`|1||1||0||20||${succeeded.cost}||0|||`);
    expect(rowOf(day)).toContain('|1||0||1||0||0||0|');
    expect(rowOf(day)).toContain('$4.99');
    expect(rowOf(day)).toContain('250 ⭐');
    expect(page).not.toContain('$9.99');
    expect(text).toMatch(/demo demo 2 1 50\.0 % 2\.5 s 2\.5 s/);
    expect(await prisma().auditLog.count({ where: { action: 'admin.dashboard' } })).toBe(1);
  });

  it('draws empty charts and says so when nothing happened, in Chinese too', async () => {
    await prisma().generation.deleteMany({});
    await prisma().payment.deleteMany({});
    const zh = await admin.get('/lang/zh-CN?next=/admin');
    expect(zh.status).toBe(303);
    const page = (await admin.get('/admin')).text;
    expect(marksOf(page, '每日生成数（按状态）')).toBe(0);
    expect(pageText(page)).toContain('最近 30 天没有付款。');
    expect(pageText(page)).toContain('最近 30 天没有生成到达服务商。');
  });
});
