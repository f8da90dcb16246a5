import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '#core';
import { CATALOG, findPlan } from '#core/catalog/catalog';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import { admit, userIdOf, waitForMedia } from '#tests/core/generation/generation-helpers';
import type { PrismaClient } from '#core/infra/db/create-database';

/** What the database holds for a user: generations, ledger entries, reservations and moderation events. */
async function footprint(prisma: PrismaClient, platformUserId: string) {
  const userId = await userIdOf(prisma, platformUserId);
  const [generations, ledger, reservations, moderation] = await Promise.all([
    prisma.generation.count({ where: { userId } }),
    prisma.creditLedgerEntry.count({ where: { userId } }),
    prisma.creditReservation.count({ where: { userId } }),
    prisma.moderationEvent.count({ where: { userId } }),
  ]);
  return { generations, ledger, reservations, moderation };
}

/** The i18n key of a reply and, for `rate_limited`, the seconds it names. */
function outcomeOf(reply: Reply | undefined): { key: string; seconds?: number } {
  if (reply?.type === 'status') return { key: 'admitted' };
  if (reply?.type !== 'message' || Array.isArray(reply.text)) return { key: 'other' };
  return reply.text.key === 'errors.rate_limited'
    ? { key: reply.text.key, seconds: Number(reply.text.vars?.seconds) }
    : { key: reply.text.key };
}

async function subscribe(
  prisma: PrismaClient,
  t: TestCore,
  platformUserId: string,
  planId: 'plus' | 'pro',
): Promise<void> {
  const userId = await userIdOf(prisma, platformUserId);
  await prisma.subscription.create({
    data: {
      userId,
      stripeSubscriptionId: `sub_spacing_${platformUserId}`,
      planId,
      status: 'active',
      currentPeriodEnd: new Date(t.clock.now().getTime() + 30 * 86_400_000),
    },
  });
}

/**
 * The per-plan minimum spacing between a user's admissions (free 3 s, plus 1 s, pro none), on a
 * core with a hand-moved clock: a request too soon after the user's last admitted generation is
 * told how many seconds to wait and leaves nothing behind; once the spacing has passed it is admitted.
 */
describe('admission spacing', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('declares the spacing per plan that these tests rely on', () => {
    expect(CATALOG.freeLimits.minSpacingMs).toBe(3_000);
    expect(findPlan(CATALOG, 'plus')?.limits.minSpacingMs).toBe(1_000);
    expect(findPlan(CATALOG, 'pro')?.limits.minSpacingMs).toBe(0);
  });

  it('refuses a free user within 3 s of the last admission, naming the seconds left, and admits once they have passed', async () => {
    const user = new ChatUser(t, '8001');
    await user.onboard();
    const first = await admit(user, 'imagine', 'a lighthouse in fog');
    await waitForMedia(t.notifier, first);
    const before = await footprint(t.database.prisma, '8001');
    expect(before).toMatchObject({ generations: 1, reservations: 1, moderation: 1 });

    const refused = await user.command('imagine', 'a lighthouse at dawn');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ type: 'message', text: { key: 'errors.rate_limited', vars: { seconds: 3 } } });
    expect(renderText(refused[0])).toBe('Too fast. Try again in 3 seconds.');
    expect(await footprint(t.database.prisma, '8001')).toEqual(before);

    // The seconds named are the remaining wait rounded up; refused requests do not restart it.
    t.clock.advance(1_500);
    expect(outcomeOf((await user.command('imagine', 'a lighthouse at dawn'))[0])).toEqual({
      key: 'errors.rate_limited',
      seconds: 2,
    });
    t.clock.advance(1_499);
    expect(outcomeOf((await user.command('imagine', 'a lighthouse at dawn'))[0])).toEqual({
      key: 'errors.rate_limited',
      seconds: 1,
    });
    expect(await footprint(t.database.prisma, '8001')).toEqual(before);

    t.clock.advance(1);
    await admit(user, 'imagine', 'a lighthouse at dawn');
    expect(await footprint(t.database.prisma, '8001')).toMatchObject({
      generations: 2,
      reservations: 2,
      moderation: 2,
    });
  });

  it('tells a zh-CN user in Chinese', async () => {
    const user = new ChatUser(t, '8002', 'zh-CN');
    await user.onboard();
    await waitForMedia(t.notifier, await admit(user, 'imagine', 'a paper lantern'));
    t.clock.advance(1_000);
    const refused = await user.command('imagine', 'another paper lantern');
    expect(refused[0]).toMatchObject({
      type: 'message',
      locale: 'zh-CN',
      text: { key: 'errors.rate_limited', vars: { seconds: 2 } },
    });
    expect(renderText(refused[0], 'zh-CN')).toBe('操作太快了，请 2 秒后再试。');
  });

  it('counts a job the user cancelled: spacing is between admissions, whatever became of them', async () => {
    const idle = await createTestCore({ startWorker: false });
    try {
      const user = new ChatUser(idle, '8003');
      await user.onboard();
      const first = await admit(user, 'imagine', 'a kite over the dunes');
      expect(await user.press('cancel_job', first)).toEqual([]);
      expect(await idle.database.prisma.generation.findUniqueOrThrow({ where: { id: first } })).toMatchObject({
        status: 'cancelled',
      });
      idle.clock.advance(2_000);
      expect(outcomeOf((await user.command('imagine', 'a kite over the sea'))[0])).toEqual({
        key: 'errors.rate_limited',
        seconds: 1,
      });
      idle.clock.advance(1_000);
      await admit(user, 'imagine', 'a kite over the sea');
    } finally {
      await idle.close();
    }
  });

  it('spaces a plus subscriber by 1 s, with a second job allowed to run alongside the first', async () => {
    const user = new ChatUser(t, '8004');
    await user.onboard();
    await subscribe(t.database.prisma, t, '8004', 'plus');
    await admit(user, 'imagine', 'a red bicycle');
    const before = await footprint(t.database.prisma, '8004');
    t.clock.advance(999);
    const refused = await user.command('imagine', 'a blue bicycle');
    expect(refused[0]).toMatchObject({ type: 'message', text: { key: 'errors.rate_limited', vars: { seconds: 1 } } });
    expect(renderText(refused[0])).toBe('Too fast. Try again in 1 second.');
    expect(await footprint(t.database.prisma, '8004')).toEqual(before);
    t.clock.advance(1);
    await admit(user, 'imagine', 'a blue bicycle');
  });

  it('does not space a pro subscriber: requests at the same instant are all admitted up to the concurrency cap', async () => {
    const user = new ChatUser(t, '8005');
    await user.onboard();
    await subscribe(t.database.prisma, t, '8005', 'pro');
    for (let index = 1; index <= 3; index += 1) await admit(user, 'imagine', `a green bicycle number ${index}`);
    expect(await footprint(t.database.prisma, '8005')).toMatchObject({ generations: 3 });
  });

  it('answers a redelivered update within the spacing with its first admission, not rate_limited', async () => {
    const user = new ChatUser(t, '8006');
    await user.onboard();
    const first = await user.command('imagine', 'a delivered-twice owl', { eventId: 'update-8006' });
    expect(first[0]).toMatchObject({ type: 'status' });
    const again = await user.command('imagine', 'a delivered-twice owl', { eventId: 'update-8006' });
    expect(again[0]).toMatchObject({
      type: 'status',
      generationId: first[0]?.type === 'status' ? first[0].generationId : 'none',
    });
    expect(await footprint(t.database.prisma, '8006')).toMatchObject({ generations: 1, moderation: 1 });
  });
});

/**
 * Spacing holds across processes: it is read from the database, not kept in memory, so two cores
 * of one deployment (each with its own clock following real time) see each other's admissions.
 */
describe('admission spacing across processes', () => {
  let cluster: TestCluster;
  let left: TestCore;
  let right: TestCore;

  beforeAll(async () => {
    cluster = await createTestCluster();
    left = await cluster.openCore();
    right = await cluster.openCore();
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses on one core a free user who was admitted on the other less than 3 s ago', async () => {
    const onLeft = new ChatUser(left, '8101');
    const onRight = new ChatUser(right, '8101');
    await onLeft.onboard();
    // No worker runs here, so the job is cancelled to keep the concurrency cap (1) out of the way.
    const first = await admit(onLeft, 'imagine', 'a bridge seen from the left bank');
    expect(await onLeft.press('cancel_job', first)).toEqual([]);
    const before = await footprint(cluster.database.prisma, '8101');
    const refused = outcomeOf((await onRight.command('imagine', 'a bridge seen from the right bank'))[0]);
    expect(refused.key).toBe('errors.rate_limited');
    expect(refused.seconds).toBeGreaterThanOrEqual(1);
    expect(refused.seconds).toBeLessThanOrEqual(3);
    expect(await footprint(cluster.database.prisma, '8101')).toEqual(before);
  });

  it('admits one of two simultaneous requests of a plus user on two cores and refuses the other rate_limited', async () => {
    const onLeft = new ChatUser(left, '8102');
    const onRight = new ChatUser(right, '8102');
    await onLeft.onboard();
    await subscribe(cluster.database.prisma, left, '8102', 'plus');
    const replies = await Promise.all([
      onLeft.command('imagine', 'a race, left core'),
      onRight.command('imagine', 'a race, right core'),
    ]);
    expect(replies.map((reply) => outcomeOf(reply[0])).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'admitted' },
      { key: 'errors.rate_limited', seconds: 1 },
    ]);
    expect(await footprint(cluster.database.prisma, '8102')).toMatchObject({
      generations: 1,
      reservations: 1,
      moderation: 1,
    });
  });
});
