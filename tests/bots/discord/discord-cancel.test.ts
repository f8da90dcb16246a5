import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate } from '#core';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { getBalance } from '#core/credits/get-balance';
import { customIdsOf, DiscordHarness, type DiscordUser } from '#tests/bots/discord/discord-harness';

describe('cancelling a job from its Discord message', () => {
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await DiscordHarness.start({
      providers: { image: [createDemoImageProvider({ latencyMs: 2_000 })], video: [createDemoVideoProvider()] },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the cancel button acknowledges with deferUpdate, and the job message turns into the refund note without buttons', async () => {
    const user: DiscordUser = { id: '300000000000000021' };
    await h.onboard(user);
    const imagine = h.command(user, 'imagine', { prompt: 'a slow sunrise' });
    await h.originalEdit(imagine, (r) => customIdsOf(r.json as Record<string, unknown>).length > 0);
    const messageId = h.fake.interaction(imagine.id)?.originalMessageId ?? '';

    const cancel = h.press(user, h.buttonOn(messageId, 'cancel_job'), messageId);
    expect(await h.acknowledgement(cancel)).toEqual({ type: 6, isEphemeral: false });
    const cancelled = await h.originalEdit(imagine, (r) =>
      String((r.json as Record<string, unknown>).content).startsWith('Cancelled'),
    );
    expect(cancelled.json).toMatchObject({ content: translate('en', 'job.cancelled', { cost: 1 }), components: [] });
    expect(h.requestsOf(cancel).map((r) => r.method)).toEqual(['POST']);

    const generation = await h.t.database.prisma.generation.findFirstOrThrow({
      where: { user: { identities: { some: { provider: 'discord', subject: user.id } } } },
    });
    expect(generation.status).toBe('cancelled');
    expect((await getBalance(h.t.database.prisma, generation.userId, h.t.clock.now())).available).toBe(10);
  });
});
