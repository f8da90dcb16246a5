import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCredits } from '#core/credits/grant-credits';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { admit, waitForMedia } from '#tests/core/generation/generation-helpers';

/** More than the free plan's spacing between two admissions. */
const SPACING_MS = 5_000;

describe('Remix of a result (core)', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** An onboarded user with 40 more credits (videos cost 2 per second). */
  async function richUser(id: string): Promise<ChatUser> {
    const user = new ChatUser(t, id);
    await user.onboard();
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: id } },
    });
    await grantCredits(t.deps.prisma, {
      userId: identity.userId,
      amount: 40,
      source: 'admin',
      idempotencyKey: `remix-test:${id}`,
    });
    return user;
  }

  const generation = (id: string) => t.database.prisma.generation.findUniqueOrThrow({ where: { id } });

  it('keeps a video’s length and model; options typed with the new prompt replace the kept ones', async () => {
    const user = await richUser('8801');
    const videoId = await admit(user, 'video', 'waves on a beach --seconds 4 --ar 9:16');
    await waitForMedia(t.notifier, videoId, 30_000);
    const [question] = await user.press('remix_job', videoId);
    expect(question).toMatchObject({
      type: 'prompt_question',
      prefill: 'waves on a beach',
      placeholder: 'waves on a beach',
      maxLength: t.deps.config.promptMaxLength,
      submit: { name: 'remix_submit', arg: videoId },
    });
    t.clock.advance(SPACING_MS);
    const [status] = await user.say('a storm over the sea --ar 16:9');
    expect(status?.type, renderText(status)).toBe('status');
    const remix = await generation(status?.type === 'status' ? status.generationId : '');
    const parent = await generation(videoId);
    expect(remix).toMatchObject({
      kind: 'video',
      prompt: 'a storm over the sea',
      model: parent.model,
      parentId: videoId,
    });
    expect(remix.options).toMatchObject({ durationSeconds: 4, aspectRatio: '16:9' });
    expect(remix.cost).toBe(parent.cost);
  });

  it('a seed typed with the new prompt is used; on a model without seeds it is refused and the question stays', async () => {
    const user = await richUser('8802');
    const imageId = await admit(user, 'imagine', 'a red kite');
    await waitForMedia(t.notifier, imageId);
    await user.press('remix_job', imageId);
    t.clock.advance(SPACING_MS);
    const [seeded] = await user.say('a blue kite --seed 77');
    const remix = await generation(seeded?.type === 'status' ? seeded.generationId : '');
    expect(remix.options).toMatchObject({ seed: 77 });
    await waitForMedia(t.notifier, remix.id);
    t.clock.advance(SPACING_MS);

    const videoId = await admit(user, 'video', 'a kite in the wind --seconds 4');
    await waitForMedia(t.notifier, videoId, 30_000);
    await user.press('remix_job', videoId);
    t.clock.advance(SPACING_MS);
    expect(renderText((await user.say('a kite at night --seed 5'))[0])).toMatch(/cannot repeat a picture from a seed/);
    t.clock.advance(SPACING_MS);
    const [status] = await user.say('a kite at night');
    expect(status?.type, renderText(status)).toBe('status');
  });
});
