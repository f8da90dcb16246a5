import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BURST_RULE } from '#core/chat/run-chat-command';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import type { TestCore } from '#tests/support/test-core';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import { admit, userIdOf } from '#tests/core/generation/generation-helpers';

/**
 * The per-user limits of admission on the production wiring (BullMQ queue, limits in Redis), no
 * worker running: a user's concurrency cap answers `too_many_jobs` naming the cap, and the burst
 * throttle answers `rate_limited` naming the wait, and neither leaves a generation or a ledger entry.
 */
describe('admission limits', () => {
  let cluster: TestCluster;
  let t: TestCore;

  beforeAll(async () => {
    cluster = await createTestCluster();
    t = await cluster.openCore();
  });

  afterAll(async () => {
    await cluster?.close();
  });

  /** What the database holds for a user: generations, ledger entries and moderation events. */
  async function footprint(platformUserId: string) {
    const userId = await userIdOf(cluster.database.prisma, platformUserId);
    const [generations, ledger, moderation] = await Promise.all([
      cluster.database.prisma.generation.count({ where: { userId } }),
      cluster.database.prisma.creditLedgerEntry.count({ where: { userId } }),
      cluster.database.prisma.moderationEvent.count({ where: { userId } }),
    ]);
    return { generations, ledger, moderation };
  }

  it('answers too_many_jobs with the free limit once one job is open, writing nothing for the refused request', async () => {
    const user = new ChatUser(t, '6001');
    await user.onboard();
    await admit(user, 'imagine', 'a first sketch');
    const before = await footprint('6001');
    expect(before).toMatchObject({ generations: 1, ledger: 2 });

    const refused = await user.command('imagine', 'a second sketch');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      type: 'message',
      text: { key: 'errors.too_many_jobs', vars: { running: 1, limit: 1 } },
    });
    expect(renderText(refused[0])).toBe('You already have 1 job running (your limit is 1). Wait for one to finish.');
    expect(await footprint('6001')).toEqual(before);
  });

  it("uses the plan's limit for a subscriber", async () => {
    const user = new ChatUser(t, '6002');
    await user.onboard();
    const userId = await userIdOf(cluster.database.prisma, '6002');
    await cluster.database.prisma.subscription.create({
      data: {
        userId,
        stripeSubscriptionId: 'sub_limits_pro',
        planId: 'pro',
        status: 'active',
        currentPeriodEnd: new Date(t.clock.now().getTime() + 30 * 86_400_000),
      },
    });
    for (let index = 1; index <= 4; index += 1) await admit(user, 'imagine', `a study number ${index}`);
    const before = await footprint('6002');
    const refused = await user.command('imagine', 'a study number 5');
    expect(refused[0]).toMatchObject({
      type: 'message',
      text: { key: 'errors.too_many_jobs', vars: { running: 4, limit: 4 } },
    });
    expect(await footprint('6002')).toEqual(before);
    expect(before).toMatchObject({ generations: 4, ledger: 5 });
  });

  it('answers rate_limited with the seconds to wait once a user bursts, before the database is asked anything', async () => {
    const user = new ChatUser(t, '6003');
    await user.onboard();
    for (let index = 3; index < BURST_RULE.points; index += 1) {
      expect((await user.command('balance'))[0]).toMatchObject({ type: 'message' });
    }
    const before = await footprint('6003');
    const throttled = await user.command('imagine', 'one more, quickly');
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({ type: 'message', text: { key: 'errors.rate_limited' } });
    const seconds =
      throttled[0]?.type === 'message' && !Array.isArray(throttled[0].text)
        ? Number(throttled[0].text.vars?.seconds)
        : Number.NaN;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(BURST_RULE.perMs / 1000);
    expect(renderText(throttled[0])).toBe(`Too fast. Try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`);
    expect(await footprint('6003')).toEqual(before);
    expect(before).toEqual({ generations: 0, ledger: 1, moderation: 0 });

    // Someone who never wrote before is throttled the same way on their own key, and not even their account is created.
    const stranger = new ChatUser(t, '6004');
    for (let index = 0; index < BURST_RULE.points; index += 1) await stranger.command('help');
    const users = await cluster.database.prisma.user.count();
    expect((await stranger.command('imagine', 'hello'))[0]).toMatchObject({ text: { key: 'errors.rate_limited' } });
    expect(await cluster.database.prisma.user.count()).toBe(users);
  });

  it('admits one of two simultaneous requests of a free user and answers the other too_many_jobs', async () => {
    const user = new ChatUser(t, '6005');
    await user.onboard();
    const replies = await Promise.all([
      user.command('imagine', 'a race, left lane'),
      user.command('imagine', 'a race, right lane'),
    ]);
    const outcomes = replies.map((reply) =>
      reply[0]?.type === 'status'
        ? 'admitted'
        : reply[0]?.type === 'message' && !Array.isArray(reply[0].text)
          ? reply[0].text.key
          : 'other',
    );
    expect(outcomes.sort()).toEqual(['admitted', 'errors.too_many_jobs']);
    expect(await footprint('6005')).toEqual({ generations: 1, ledger: 2, moderation: 1 });
  });

  it('admits an update delivered twice at once a single time, answering both with the same job', async () => {
    const user = new ChatUser(t, '6006');
    await user.onboard();
    const [first, second] = await Promise.all([
      user.command('imagine', 'a twin delivery', { eventId: 'update-6006' }),
      user.command('imagine', 'a twin delivery', { eventId: 'update-6006' }),
    ]);
    expect(first?.[0]).toMatchObject({ type: 'status' });
    expect(second?.[0]).toMatchObject({ type: 'status' });
    const ids = [first, second].map((replies) => (replies?.[0]?.type === 'status' ? replies[0].generationId : ''));
    expect(ids[0]).toBe(ids[1]);
    expect(await footprint('6006')).toEqual({ generations: 1, ledger: 2, moderation: 1 });
    // Delivered again later, it is still the same job, and nothing is moderated or written again.
    const again = await user.command('imagine', 'a twin delivery', { eventId: 'update-6006' });
    expect(again[0]).toMatchObject({ type: 'status', generationId: ids[0] });
    expect(await footprint('6006')).toEqual({ generations: 1, ledger: 2, moderation: 1 });
  });
});
