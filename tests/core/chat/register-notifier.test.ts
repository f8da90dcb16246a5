import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser } from '#tests/support/chat-driver';
import { RecordingNotifier } from '#tests/support/recording-notifier';

describe('a notifier registered after the core is built', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('delivers the jobs of its platform from then on, and only those', async () => {
    const bot = new RecordingNotifier();
    t.core.registerNotifier('telegram', bot);
    const user = new ChatUser(t, '4101');
    await user.onboard();
    const replies = await user.command('imagine', 'a heron at dawn');
    const generationId = replies[0]?.type === 'status' ? replies[0].generationId : '';
    expect(generationId).not.toBe('');
    await bot.waitFor((delivery) =>
      delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId),
    );
    expect(t.notifier.deliveries.filter((delivery) => delivery.target.platform === 'telegram')).toEqual([]);
  });
});
