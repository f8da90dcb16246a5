import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishGeneration } from '#core/generation/finish-generation';
import { runGenerationJob } from '#core/generation/run-generation-job';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { colorForText, makePng } from '#tests/fakes/test-png';
import { admit, ledgerOf, mediaDeliveriesOf, sha256, waitForMedia } from '#tests/core/generation/generation-helpers';

/**
 * A worker that died after settling a job and before sending its result (its BullMQ job is then
 * recovered and runs again): the next run sends the stored result, once, without generating again
 * or charging again.
 */
describe('a result settled but not yet sent', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is delivered by the next run of its job, once', async () => {
    const user = new ChatUser(t, '8001');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a tower of teacups');

    // What the dead worker left: the picture stored, the generation succeeded and its credits captured.
    const bytes = makePng(64, 64, colorForText('a tower of teacups'));
    const stored = await t.deps.media.put({ bytes, mime: 'image/png' });
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    await t.database.prisma.mediaAsset.create({
      data: {
        userId: generation.userId,
        generationId: id,
        role: 'output',
        storageKey: stored.key,
        mime: stored.mime,
        bytes: stored.bytes,
        sha256: stored.sha256,
        width: 64,
        height: 64,
      },
    });
    expect(await finishGeneration(t.deps, id, { status: 'succeeded' })).toBe(true);

    const stop = await t.core.startWorker({ concurrency: 1 });
    const media = await waitForMedia(t.notifier, id);
    expect(sha256(await media.items[0]!.load())).toBe(sha256(bytes));
    await runGenerationJob(t.deps, { generationId: id, signal: new AbortController().signal });
    await stop();

    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(1);
    const after = await t.database.prisma.generation.findUniqueOrThrow({ where: { id }, include: { media: true } });
    expect(after).toMatchObject({ status: 'succeeded', attempts: 0 });
    expect(after.deliveredAt).not.toBeNull();
    expect(after.media).toHaveLength(1);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });
});
