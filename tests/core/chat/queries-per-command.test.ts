import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core, type CoreDeps } from '#core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

/**
 * Every chat command starts with the account query; what a command adds on top is its own cost
 * per update. /help needs nothing more; /balance reads its whole summary in one more query.
 */
describe('database queries per chat command', () => {
  let t: TestCore;
  let counted: Core;
  let queries: string[] = [];
  let calls = 0;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
    const prisma = t.deps.prisma.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          queries.push(`${model ?? ''}.${operation}`);
          return query(args);
        },
      },
    }) as unknown as CoreDeps['prisma'];
    counted = createCore({ ...t.deps, prisma });
  });

  afterAll(async () => {
    await t?.close();
  });

  async function run(platformUserId: string, name: 'balance' | 'help'): Promise<string> {
    queries = [];
    const [reply] = await counted.chat.run({
      eventId: `${name}-${platformUserId}-${(calls += 1)}`,
      actor: { platform: 'telegram', platformUserId, locale: 'en' },
      chat: { id: platformUserId, type: 'private', messageId: '1' },
      command: { name, args: '' },
    });
    return renderText(reply);
  }

  it('answers /help with the account query only', async () => {
    await new ChatUser(t, '9901').onboard();
    const text = await run('9901', 'help');
    expect(text).toContain('/imagine');
    expect(queries).toHaveLength(1);
  });

  it('answers /balance with the account query and one more', async () => {
    await new ChatUser(t, '9902').onboard();
    // The first /balance makes the account's invite code (once per account); later ones only read.
    await run('9902', 'balance');
    const text = await run('9902', 'balance');
    expect(text.split('\n')[0]).toBe('Balance: 10 credits.');
    expect(queries).toHaveLength(2);
  });
});
