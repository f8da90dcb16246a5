import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishGeneration } from '#core/generation/finish-generation';
import { sweepOverdueGenerations } from '#core/generation/sweep-overdue-generations';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import type { RecordedRequest } from '#tests/fakes/http-recorder';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import {
  admit,
  balanceOf,
  eventually,
  ledgerOf,
  mediaDeliveriesOf,
  statusKeysOf,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

const mentions = (text: string) => (request: RecordedRequest) =>
  request.path.endsWith(':generateContent') && request.rawBody.toString('utf8').includes(text);

/** The overdue sweep ends a job whose deadline passed, once, however late its worker finishes. */
describe('sweeping overdue generations', () => {
  let google: FakeGoogleGenAIApi;
  let t: TestCore;

  beforeAll(async () => {
    google = await FakeGoogleGenAIApi.start();
    t = await createTestCore({
      providers: {
        image: [createGoogleImageProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl })],
        video: [createDemoVideoProvider()],
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await google?.close();
  });

  it('fails a job past its deadline with generation_timeout and refunds it once, even when its worker finishes later', async () => {
    const user = new ChatUser(t, '5001');
    await user.onboard();
    google.delayMs = 1_500;
    const id = await admit(user, 'imagine', 'a slow sunrise over hills');
    await google.waitForRequest(mentions('a slow sunrise'));
    google.delayMs = 0;
    await waitForStatus(t.notifier, id, 'job.running');

    // The deadline (IMAGE_JOB_TIMEOUT_SECONDS after admission) passes while the provider works.
    t.clock.advance(t.deps.config.jobTimeouts.imageSeconds * 1000 + 1_000);
    expect(await sweepOverdueGenerations(t.deps)).toBe(1);
    const timedOut = await waitForStatus(t.notifier, id, 'job.timed_out');
    expect(timedOut).toMatchObject({ text: { vars: { cost: 1 } } });
    expect(await t.database.prisma.generation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'failed',
      errorCode: 'generation_timeout',
    });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(await balanceOf(t, '5001')).toBe(10);

    // The provider answers after the sweep: the worker's result is dropped.
    await eventually(async () => (await t.deps.queue.counts()).active === 0, 'the worker to finish the job');
    // A worker (or a second sweep) that tries to end it again changes nothing.
    expect(await finishGeneration(t.deps, id, { status: 'succeeded' })).toBe(false);
    expect(await finishGeneration(t.deps, id, { status: 'failed', errorCode: 'generation_timeout' })).toBe(false);
    expect(await sweepOverdueGenerations(t.deps)).toBe(0);

    const generation = await t.database.prisma.generation.findUniqueOrThrow({
      where: { id },
      include: { media: true },
    });
    expect(generation).toMatchObject({ status: 'failed', errorCode: 'generation_timeout', media: [] });
    expect(generation.deliveredAt).not.toBeNull(); // the timeout notice, the job's final message
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(await t.database.prisma.creditReservation.findUniqueOrThrow({ where: { generationId: id } })).toMatchObject({
      status: 'released',
    });
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(0);
    expect(statusKeysOf(t.notifier, id).filter((key) => key === 'job.timed_out')).toHaveLength(1);
    expect(await balanceOf(t, '5001')).toBe(10);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it('leaves a job alone while its deadline has not passed', async () => {
    const user = new ChatUser(t, '5002');
    await user.onboard();
    google.delayMs = 800;
    const id = await admit(user, 'imagine', 'a patient heron');
    await google.waitForRequest(mentions('a patient heron'));
    google.delayMs = 0;
    t.clock.advance(t.deps.config.jobTimeouts.imageSeconds * 1000 - 10_000);
    expect(await sweepOverdueGenerations(t.deps)).toBe(0);
    await waitForStatus(t.notifier, id, 'job.uploading');
    await eventually(
      async () => (await t.database.prisma.generation.findUniqueOrThrow({ where: { id } })).status === 'succeeded',
      'the job to succeed',
    );
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
  });
});
