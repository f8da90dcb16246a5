import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceQueuePositions } from '#core/generation/announce-queue-positions';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { admit } from '#tests/core/generation/generation-helpers';

/** Waiting jobs are shown their place in line as it changes; an unchanged place is not sent again. */
describe('announcing places in line', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  /** As if each status message had been shown long enough ago for the next edit. */
  const ageStatusMessages = () =>
    t.database.prisma.$executeRaw`UPDATE generations SET delivery = delivery || jsonb_build_object('statusAt', 0)`;

  const placesShown = (id: string) =>
    t.notifier
      .allReplies()
      .flatMap((reply) =>
        reply.type === 'status' && reply.generationId === id ? [[reply.text.key, reply.text.vars?.position]] : [],
      );

  it('edits each waiting job to its place, then again when the line moves, with Cancel', async () => {
    const ids: string[] = [];
    for (const subject of ['8101', '8102', '8103']) {
      const user = new ChatUser(t, subject);
      await user.onboard();
      ids.push(await admit(user, 'imagine', `a kite number ${subject}`));
    }
    const [first, second, third] = ids as [string, string, string];

    // Just shown: too soon for an edit (3 s per chat).
    expect(await announceQueuePositions(t.deps)).toBe(0);

    await ageStatusMessages();
    expect(await announceQueuePositions(t.deps)).toBe(3);
    expect(placesShown(first)).toEqual([['job.queued_next', undefined]]);
    expect(placesShown(third)).toEqual([['job.queued', 3]]);
    const edit = t.notifier.allReplies().find((reply) => reply.type === 'status' && reply.generationId === third);
    expect(edit?.type === 'status' && edit.buttons?.flat()[0]?.action).toEqual({ name: 'cancel_job', arg: third });

    // Nothing moved: nothing is sent again.
    await ageStatusMessages();
    expect(await announceQueuePositions(t.deps)).toBe(0);

    // The first leaves the line: the others move up, once each chat's 3 s (in the limiter) have passed.
    await new ChatUser(t, '8101').press('cancel_job', first);
    await ageStatusMessages();
    expect(await announceQueuePositions(t.deps)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect(await announceQueuePositions(t.deps)).toBe(2);
    expect(placesShown(second)).toEqual([
      ['job.queued', 2],
      ['job.queued_next', undefined],
    ]);
    expect(placesShown(third)).toEqual([
      ['job.queued', 3],
      ['job.queued', 2],
    ]);
  });
});
