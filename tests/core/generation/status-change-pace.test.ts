import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps, DeliveryTarget, Notifier, Reply } from '#core';
import { buildProgressStatus } from '#core/generation/build-progress-status';
import { CHAT_GAP_MS, sendToChat } from '#core/generation/notify-job';
import { notifyProgress } from '#core/generation/notify-progress';
import { admit } from '#tests/core/generation/generation-helpers';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

/** A notifier whose sends wait `delayMs` (as in a busy shared send pace) and note when each reached the chat. */
function slowNotifier(inner: Notifier, delayMs: number) {
  const reached: number[] = [];
  const notifier: Notifier = {
    async send(target: DeliveryTarget, replies: Reply[]) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const result = await inner.send(target, replies);
      reached.push(Date.now());
      return result;
    },
  };
  return { notifier, reached };
}

/**
 * Status changes of a job (state edits, progress edits, the result) come from several processes
 * and may wait long in the shared send pace; the chat's spacing counts from when each reached it.
 */
describe('status changes of one chat across processes', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  const runningJob = async (subject: string) => {
    const user = new ChatUser(t, subject);
    await user.onboard();
    const id = await admit(user, 'imagine', `a heron number ${subject}`);
    await t.database.prisma.$executeRaw`UPDATE generations
       SET status = 'running', delivery = delivery || jsonb_build_object('statusAt', 0) WHERE id = ${id}::uuid`;
    return id;
  };
  const withNotifier = (notifier: Notifier): CoreDeps => ({
    ...t.deps,
    notifiers: { telegram: notifier, discord: notifier },
  });

  it('keeps a progress edit 3 s from a state change that waited in the send pace', { timeout: 20_000 }, async () => {
    const id = await runningJob('8301');
    const slow = slowNotifier(t.notifier, 3_300);
    await sendToChat(withNotifier(slow.notifier), id, [buildProgressStatus(id, { phase: 'running' })]);

    const outcome = await notifyProgress(
      t.deps,
      id,
      buildProgressStatus(id, { phase: 'running', fraction: 0.5 }),
      'running',
    );
    expect(outcome).toBe('paced');
  });

  it('sends a result a chat gap after a progress edit another process was still sending', {
    timeout: 20_000,
  }, async () => {
    const id = await runningJob('8302');
    const slow = slowNotifier(t.notifier, 2_000);
    const progress = notifyProgress(
      withNotifier(slow.notifier),
      id,
      buildProgressStatus(id, { phase: 'running', fraction: 0.4 }),
      'running',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = slowNotifier(t.notifier, 0);
    await sendToChat(withNotifier(result.notifier), id, [
      { type: 'status', generationId: id, text: { key: 'job.uploading' } },
    ]);
    expect(await progress).toBe('sent');

    const [progressAt] = slow.reached;
    const [resultAt] = result.reached;
    expect(resultAt! - progressAt!).toBeGreaterThanOrEqual(CHAT_GAP_MS - 50);
  });
});
