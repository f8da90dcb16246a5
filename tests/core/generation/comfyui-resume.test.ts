import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import type { TestCore } from '#tests/support/test-core';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { colorForText, readPng } from '#tests/fakes/test-png';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import {
  admit,
  eventually,
  ledgerOf,
  mediaDeliveriesOf,
  waitForMedia,
} from '#tests/core/generation/generation-helpers';

/**
 * A ComfyUI job whose worker is killed after `POST /prompt`: the prompt goes on running on the
 * instance, and the worker that takes the job over follows it (`/history/{id}`) instead of
 * submitting it again, so the GPU works and the user pays once.
 */
describe('ComfyUI jobs survive their worker', () => {
  let comfy: FakeComfyUiApi;
  let cluster: TestCluster;
  let front: TestCore;
  let nextUser = 7400;

  beforeAll(async () => {
    // 30 steps of 100 ms: long enough to kill the worker mid-run.
    comfy = await FakeComfyUiApi.start({ steps: 30, stepMs: 100 });
  });

  afterAll(async () => {
    await comfy?.close();
  });

  beforeEach(async () => {
    cluster = await createTestCluster();
    front = await cluster.openCore({ env: { COMFYUI_URLS: comfy.url } });
  });

  afterEach(async () => {
    await cluster?.close();
  });

  const submits = () => comfy.requests.filter((request) => request.method === 'POST' && request.path === '/prompt');

  /** Admits `/imagine prompt`, lets a worker process submit it to ComfyUI, then kills that worker. */
  async function admitAndKillAfterSubmit(prompt: string): Promise<string> {
    const doomed = await cluster.startWorkerProcess({ concurrency: 1, env: { COMFYUI_URLS: comfy.url } });
    nextUser += 1;
    const user = new ChatUser(front, String(nextUser));
    await user.onboard();
    const id = await admit(user, 'imagine', prompt);
    await eventually(
      async () => submits().some((request) => request.rawBody.toString('utf8').includes(prompt)),
      'the prompt reached ComfyUI',
    );
    await eventually(
      async () =>
        (await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id } })).providerOperation !== null,
      'the backend job was stored',
    );
    await doomed.kill();
    return id;
  }

  async function expectDeliveredOnce(survivor: TestCore, id: string, prompt: string) {
    const media = await waitForMedia(survivor.notifier, id, 60_000);
    const png = readPng(await media.items[0]!.load());
    expect(png.topLeft).toEqual(colorForText(prompt));
    const generation = await cluster.database.prisma.generation.findUniqueOrThrow({
      where: { id },
      include: { media: true },
    });
    expect(generation).toMatchObject({ status: 'succeeded', provider: 'comfyui', attempts: 2 });
    expect(generation.media.filter((asset) => asset.role === 'output')).toHaveLength(1);
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(mediaDeliveriesOf(survivor.notifier, id)).toHaveLength(1);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
  }

  it('follows the prompt a killed worker submitted: one POST /prompt, delivered and charged once', async () => {
    const prompt = 'a glassblower at the furnace';
    const before = submits().length;
    const id = await admitAndKillAfterSubmit(prompt);
    const survivor = await cluster.openCore({ env: { COMFYUI_URLS: comfy.url }, startWorker: { concurrency: 1 } });
    await expectDeliveredOnce(survivor, id, prompt);
    expect(submits().length - before).toBe(1);
    expect(comfy.interrupts).toEqual([]);
  }, 90_000);

  it('submits once more when the instance restarted and lost the prompt', async () => {
    const prompt = 'a lamplighter on a foggy street';
    const before = submits().length;
    const id = await admitAndKillAfterSubmit(prompt);
    comfy.restart();
    const survivor = await cluster.openCore({ env: { COMFYUI_URLS: comfy.url }, startWorker: { concurrency: 1 } });
    await expectDeliveredOnce(survivor, id, prompt);
    expect(submits().length - before).toBe(2);
  }, 90_000);
});
