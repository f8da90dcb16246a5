import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatHold, HeldRequest } from '#core/chat/chat-hold';
import { createMemoryChatHold } from '#core/infra/chat-hold/memory-chat-hold';
import { createRedisChatHold } from '#core/infra/chat-hold/redis-chat-hold';
import { closeRedisConnection, createRedisConnection } from '#core/infra/redis';
import { TEST_REDIS_URL } from '#tests/core/generation/process-core';

const redis = createRedisConnection(TEST_REDIS_URL, { role: 'test-chat-hold' });
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  await closeRedisConnection(redis);
});

function entry(id: string, userId = '1'): HeldRequest {
  return {
    id,
    heldAt: Date.now(),
    request: {
      eventId: `event-${id}`,
      actor: { platform: 'telegram', platformUserId: userId, locale: 'en' },
      chat: { id: userId, type: 'private' },
      command: { name: 'imagine', args: id },
    },
  };
}

const kinds: [string, () => ChatHold][] = [
  ['memory', () => createMemoryChatHold()],
  [
    'redis',
    () => {
      const prefix = `test:hold:${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      return createRedisChatHold(redis, prefix);
    },
  ],
];

/** Both holds keep the same contract: arrival order, a bound, status messages, one drainer. */
describe.each(kinds)('the %s chat hold', (_kind, create) => {
  it('keeps requests in arrival order up to its bound, with the status message shown for each', async () => {
    const hold = create();
    expect(await hold.add(entry('b'), { total: 2, perUser: 5 })).toBe(true);
    expect(await hold.add(entry('a'), { total: 2, perUser: 5 })).toBe(true);
    expect(await hold.add(entry('c'), { total: 2, perUser: 5 })).toBe(false);
    expect(await hold.attachStatusMessage('a', '77')).toBe(true);
    expect(await hold.attachStatusMessage('zzz', '78')).toBe(false);
    const held = await hold.list();
    expect(held.map((item) => [item.id, item.statusMessageId])).toEqual([
      ['b', undefined],
      ['a', '77'],
    ]);
    expect(held[0]?.request.command).toEqual({ name: 'imagine', args: 'b' });

    await hold.remove('b');
    expect(await hold.attachStatusMessage('b', '79')).toBe(false);
    expect(await hold.add(entry('c'), { total: 2, perUser: 5 })).toBe(true);
    expect((await hold.list()).map((item) => item.id)).toEqual(['a', 'c']);
  });

  it('holds at most a few requests of one person, so one sender cannot fill the hold for everybody', async () => {
    const hold = create();
    const limits = { total: 10, perUser: 2 };
    expect(await hold.add(entry('p1', '42'), limits)).toBe(true);
    expect(await hold.add(entry('p2', '42'), limits)).toBe(true);
    expect(await hold.add(entry('p3', '42'), limits)).toBe(false);
    expect(await hold.add(entry('q1', '43'), limits)).toBe(true);
    await hold.remove('p1');
    await hold.remove('p1');
    expect(await hold.add(entry('p3', '42'), limits)).toBe(true);
    expect(await hold.add(entry('p4', '42'), limits)).toBe(false);
    expect((await hold.list()).map((item) => item.id)).toEqual(['p2', 'q1', 'p3']);
  });

  it('lets one drainer at a time hold the drain, until it releases it or its claim runs out', async () => {
    const hold = create();
    expect(await hold.claimDrain('one', 300)).toBe(true);
    expect(await hold.claimDrain('two', 300)).toBe(false);
    expect(await hold.claimDrain('one', 300)).toBe(true);
    await hold.releaseDrain('two');
    expect(await hold.claimDrain('two', 300)).toBe(false);
    await hold.releaseDrain('one');
    expect(await hold.claimDrain('two', 100)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await hold.claimDrain('one', 300)).toBe(true);
  });
});

describe('the redis chat hold with a damaged entry', () => {
  it('drops an entry it cannot read and keeps serving the others', async () => {
    const prefix = `test:hold:${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    const hold = createRedisChatHold(redis, prefix);
    const limits = { total: 3, perUser: 3 };
    expect(await hold.add(entry('good-1'), limits)).toBe(true);
    expect(await hold.add(entry('bad'), limits)).toBe(true);
    expect(await hold.add(entry('good-2'), limits)).toBe(true);
    await redis.hset(`${prefix}:chat-hold:entries`, 'bad', '{not json');
    expect((await hold.list()).map((item) => item.id)).toEqual(['good-1', 'good-2']);
    // Its place is free again.
    expect(await hold.add(entry('good-3'), limits)).toBe(true);
  });
});
