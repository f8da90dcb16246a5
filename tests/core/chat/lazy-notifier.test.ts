import { describe, expect, it } from 'vitest';
import { createLazyNotifier, type DeliveryTarget, type Notifier, type Reply } from '#core';

const TARGET: DeliveryTarget = {
  platform: 'discord',
  chatId: '1',
  chatType: 'private',
  platformUserId: '2',
  locale: 'en',
};
const REPLIES: Reply[] = [{ type: 'message', text: { key: 'help.text' } }];

/** A notifier that records what it was asked to send. */
function recordingNotifier(sent: Reply[][]): Notifier {
  return {
    send: async (_target, replies) => {
      sent.push(replies);
      return { statusMessageId: `m${sent.length}` };
    },
  };
}

describe('createLazyNotifier', () => {
  it('builds the adapter on the first message only, once for sends at the same time', async () => {
    const sent: Reply[][] = [];
    let builds = 0;
    const notifier = createLazyNotifier(async () => {
      builds += 1;
      return recordingNotifier(sent);
    });
    expect(builds).toBe(0);
    const results = await Promise.all([notifier.send(TARGET, REPLIES), notifier.send(TARGET, REPLIES)]);
    await notifier.send(TARGET, REPLIES);
    expect(builds).toBe(1);
    expect(sent).toHaveLength(3);
    expect(results.map((result) => result.statusMessageId)).toEqual(['m1', 'm2']);
  });

  it('tries the build again on the next message after it failed', async () => {
    const sent: Reply[][] = [];
    let builds = 0;
    const notifier = createLazyNotifier(async () => {
      builds += 1;
      if (builds === 1) throw new Error('module failed to load');
      return recordingNotifier(sent);
    });
    await expect(notifier.send(TARGET, REPLIES)).rejects.toThrow('module failed to load');
    await notifier.send(TARGET, REPLIES);
    expect(builds).toBe(2);
    expect(sent).toHaveLength(1);
  });
});
