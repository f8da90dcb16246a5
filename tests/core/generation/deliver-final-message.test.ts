import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUnreachableError } from '#core';
import { cancelGeneration } from '#core/generation/cancel-generation';
import { DELIVERY_LEASE_MS, deliveryBackoffMs, MAX_DELIVERY_ATTEMPTS } from '#core/generation/deliver-final-message';
import { finishGeneration } from '#core/generation/finish-generation';
import { retryUndeliveredMessages } from '#core/generation/retry-undelivered-messages';
import { runGenerationJob } from '#core/generation/run-generation-job';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import type { Delivery } from '#tests/support/recording-notifier';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { colorForText, makePng } from '#tests/fakes/test-png';
import { admit, ledgerOf, mediaDeliveriesOf, statusKeysOf } from '#tests/core/generation/generation-helpers';

/**
 * The last message of a job (its result, or why it ended) is retried until the chat accepts it,
 * and sent once: the load run showed results lost when Telegram's flood limits outlasted the
 * adapter's own retries.
 */
describe('final messages a chat did not accept', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  const resultOf = (id: string) => (delivery: Delivery) =>
    delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === id);
  const statusOf = (id: string) => (delivery: Delivery) =>
    delivery.replies.some((reply) => reply.type === 'status' && reply.generationId === id);
  const rowOf = (id: string) => t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
  const run = (id: string) => runGenerationJob(t.deps, { generationId: id, signal: new AbortController().signal });

  it('sends a refused result again when its next try is due, once, and charges once', async () => {
    const user = new ChatUser(t, '8101');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a lighthouse of glass');
    t.notifier.refuseNext(2, resultOf(id));

    await run(id);
    expect(await rowOf(id)).toMatchObject({
      status: 'succeeded',
      deliveredAt: null,
      deliveryAttempts: 1,
      deliveryError: '429: Too Many Requests',
    });
    expect((await rowOf(id)).deliveryDueAt?.getTime()).toBe(t.clock.now().getTime() + deliveryBackoffMs(1));
    expect(await retryUndeliveredMessages(t.deps)).toBe(0); // not due yet

    t.clock.advance(deliveryBackoffMs(1));
    expect(await retryUndeliveredMessages(t.deps)).toBe(0); // refused a second time
    expect(await rowOf(id)).toMatchObject({ deliveredAt: null, deliveryAttempts: 2 });

    t.clock.advance(deliveryBackoffMs(2));
    expect(await retryUndeliveredMessages(t.deps)).toBe(1);
    expect(await retryUndeliveredMessages(t.deps)).toBe(0);
    await run(id); // a duplicated job changes nothing either

    expect(t.notifier.refused.filter(resultOf(id))).toHaveLength(2);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(1);
    const row = await rowOf(id);
    expect(row).toMatchObject({ deliveryAttempts: 3, deliveryError: null, deliveryDueAt: null });
    expect(row.deliveredAt).not.toBeNull();
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it('sends a refused cancel notice again, so the user learns the credits came back', async () => {
    const user = new ChatUser(t, '8102');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a paper moon');
    t.notifier.refuseNext(1, statusOf(id));

    expect(await cancelGeneration(t.deps, id)).toBe('cancelled');
    expect(statusKeysOf(t.notifier, id)).not.toContain('job.cancelled');
    t.clock.advance(deliveryBackoffMs(1));
    expect(await retryUndeliveredMessages(t.deps)).toBe(1);

    expect(statusKeysOf(t.notifier, id).filter((key) => key === 'job.cancelled')).toHaveLength(1);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
  });

  it('stops at once for a chat that cannot be reached, and forgets its platform secrets', async () => {
    const user = new ChatUser(t, '8103');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a quiet harbour');
    await t.database.prisma
      .$executeRaw`UPDATE generations SET delivery = delivery || '{"extra": {"token": "secret"}}'::jsonb WHERE id = ${id}::uuid`;
    t.notifier.refuseNext(5, resultOf(id), () => new ChatUnreachableError('the user blocked the bot'));

    await run(id);
    t.clock.advance(3_600_000);
    expect(await retryUndeliveredMessages(t.deps)).toBe(0);

    expect(t.notifier.refused.filter(resultOf(id))).toHaveLength(1);
    const row = await rowOf(id);
    expect(row).toMatchObject({
      status: 'succeeded',
      deliveredAt: null,
      deliveryError: 'chat_unreachable',
      deliveryAttempts: MAX_DELIVERY_ATTEMPTS,
      deliveryDueAt: null,
    });
    expect(row.delivery).not.toHaveProperty('extra');
  });

  it('holds a message whose sender died until the lease runs out, then sends it once', async () => {
    const user = new ChatUser(t, '8104');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a kite over dunes');
    // What the dead sender left: the result stored and settled, the delivery claimed, nothing sent.
    const bytes = makePng(32, 32, colorForText('a kite over dunes'));
    const stored = await t.deps.media.put({ bytes, mime: 'image/png' });
    const { userId } = await rowOf(id);
    await t.database.prisma.mediaAsset.create({
      data: {
        userId,
        generationId: id,
        role: 'output',
        storageKey: stored.key,
        mime: stored.mime,
        bytes: stored.bytes,
        sha256: stored.sha256,
      },
    });
    await t.database.prisma.generation.update({ where: { id }, data: { deliveryAttempts: 1 } });
    expect(await finishGeneration(t.deps, id, { status: 'succeeded' })).toBe(true);
    await t.database.prisma.generation.update({
      where: { id },
      data: { deliveryDueAt: new Date(t.clock.now().getTime() + DELIVERY_LEASE_MS) },
    });

    await run(id); // the job recovered by the queue finds the lease taken
    expect(await retryUndeliveredMessages(t.deps)).toBe(0);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(0);

    t.clock.advance(DELIVERY_LEASE_MS);
    const [first, second] = await Promise.all([retryUndeliveredMessages(t.deps), retryUndeliveredMessages(t.deps)]);
    expect((first ?? 0) + (second ?? 0)).toBe(1);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(1);
    expect((await rowOf(id)).deliveryAttempts).toBe(2);
  });

  it(`gives up after ${MAX_DELIVERY_ATTEMPTS} refused tries, keeping the reason`, async () => {
    const user = new ChatUser(t, '8105');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a field of lanterns');
    t.notifier.refuseNext(MAX_DELIVERY_ATTEMPTS + 1, resultOf(id), () => new Error('502: Bad Gateway'));

    await run(id);
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS + 2; attempt += 1) {
      t.clock.advance(deliveryBackoffMs(attempt));
      await retryUndeliveredMessages(t.deps);
    }

    expect(t.notifier.refused.filter(resultOf(id))).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect(await rowOf(id)).toMatchObject({
      deliveredAt: null,
      deliveryAttempts: MAX_DELIVERY_ATTEMPTS,
      deliveryError: '502: Bad Gateway',
      deliveryDueAt: null,
    });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
  });
});
