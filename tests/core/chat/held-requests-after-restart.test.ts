import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '#core';
import type { HeldRequest } from '#core/chat/chat-hold';
import { createMemoryChatHold } from '#core/infra/chat-hold/memory-chat-hold';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

/**
 * Requests a process held during a database outage stay in the shared hold (Redis) if that
 * process then stops. The next process to start must admit them, not leave them waiting forever.
 */
describe('held requests left by a process that stopped', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are admitted by the next core that starts on the same hold, once', async () => {
    await new ChatUser(t, '9301').onboard();
    const hold = createMemoryChatHold();
    const left: HeldRequest = {
      id: '01a2b3c4-0000-7000-8000-000000009301',
      heldAt: Date.now(),
      request: {
        eventId: 'held-by-a-stopped-process',
        actor: { platform: 'telegram', platformUserId: '9301', locale: 'en' },
        chat: { id: '9301', type: 'private', messageId: '5' },
        command: { name: 'imagine', args: 'a fox in the snow' },
      },
    };
    expect(await hold.add(left, { total: 10, perUser: 3 })).toBe(true);

    createCore({ ...t.deps, chatHold: hold });

    const admitted = async () =>
      t.database.prisma.generation.count({ where: { user: { identities: { some: { subject: '9301' } } } } });
    for (let tries = 0; tries < 100 && (await admitted()) === 0; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await admitted()).toBe(1);
    for (let tries = 0; tries < 100 && (await hold.list()).length > 0; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await hold.list()).toEqual([]);
  });
});
