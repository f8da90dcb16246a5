import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Button } from '#core';
import { grantCredits } from '#core/credits/grant-credits';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { readPng } from '#tests/fakes/test-png';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import {
  admit,
  balanceOf,
  ledgerOf,
  sha256,
  userIdOf,
  waitForMedia,
  type MediaReply,
} from '#tests/core/generation/generation-helpers';

/** Pictures are stored with thumbnails before delivery: on a loaded machine that takes seconds. */
const SLOW_MS = 60_000;

/**
 * The per-picture Upscale with only ComfyUI configured (COMFYUI_URLS at the fake, no Stable
 * Diffusion) and the default models file: U2 sends picture 2 itself through the upscale workflow
 * and delivers it twice as wide and as tall, at the models file's upscale price; a failed upscale
 * gives the credits back.
 */
describe('per-picture Upscale on ComfyUI', { timeout: 120_000 }, () => {
  let comfy: FakeComfyUiApi;
  let t: TestCore;

  beforeAll(async () => {
    comfy = await FakeComfyUiApi.start({ steps: 2, stepMs: 5 });
    t = await createTestCore({ env: { COMFYUI_URLS: comfy.url } });
  });

  afterAll(async () => {
    await t?.close();
    await comfy?.close();
    expect(comfy?.handlerErrors ?? []).toEqual([]);
  });

  async function newUser(id: string): Promise<ChatUser> {
    const user = new ChatUser(t, id);
    await user.onboard();
    await grantCredits(t.deps.prisma, {
      userId: await userIdOf(t.deps.prisma, id),
      amount: 50,
      source: 'admin',
      idempotencyKey: `test-grant:${id}`,
    });
    return user;
  }

  const upscaleButton = (media: MediaReply, n: number): Button => {
    const button = (media.buttons ?? [])
      .flat()
      .find((candidate) => candidate.label.key === 'job.upscale_picture_button' && candidate.label.vars?.n === n);
    if (!button?.action) throw new Error(`no U${n}`);
    return button;
  };

  it('/imagine a fox --n 4, then U2: picture 2 at twice its size, at the upscale price', async () => {
    const user = await newUser('8401');
    t.clock.advance(10_000);
    const id = await admit(user, 'imagine', 'a fox --n 4');
    const media = await waitForMedia(t.notifier, id, SLOW_MS);
    expect(media.items).toHaveLength(4);
    expect((media.buttons ?? [])[0]?.map((button) => `${button.label.key}${button.label.vars?.n}`)).toEqual([
      'job.upscale_picture_button1',
      'job.upscale_picture_button2',
      'job.upscale_picture_button3',
      'job.upscale_picture_button4',
    ]);
    const picture2 = await (media.items[1] as MediaReply['items'][number]).load();
    const before = await balanceOf(t, '8401');
    const prompts = comfy.prompts.size;

    t.clock.advance(10_000);
    const u2 = upscaleButton(media, 2);
    const [status] = await user.press(u2.action!.name, u2.action!.arg);
    if (status?.type !== 'status') throw new Error(`not admitted: ${JSON.stringify(status)}`);
    const result = await waitForMedia(t.notifier, status.generationId, SLOW_MS);
    expect(result.items).toHaveLength(1);
    const delivered = await (result.items[0] as MediaReply['items'][number]).load();
    const source = readPng(picture2);
    expect(readPng(delivered)).toEqual({ width: source.width * 2, height: source.height * 2, topLeft: source.topLeft });

    // One prompt: the repository's upscale workflow, on picture 2's very bytes.
    expect(comfy.prompts.size).toBe(prompts + 1);
    const upscale = [...comfy.prompts.values()].at(-1)!;
    const classes = Object.values(upscale.graph).map((node) => node.class_type);
    expect(classes).toEqual(['LoadImage', 'UpscaleModelLoader', 'ImageUpscaleWithModel', 'ImageScale', 'SaveImage']);
    const loaded = Object.values(upscale.graph).find((node) => node.class_type === 'LoadImage');
    expect(sha256(comfy.uploads.get(String(loaded?.inputs.image)) ?? Buffer.alloc(0))).toBe(sha256(picture2));
    const saved = upscale.outputs['5']!.images[0]!;
    const view = await fetch(`${comfy.url}/view?${new URLSearchParams(saved)}`);
    expect(sha256(delivered)).toBe(sha256(Buffer.from(await view.arrayBuffer())));

    const price = t.deps.config.models.find((model) => model.id === 'comfyui')?.cost.upscale;
    expect(price).toBe(2);
    expect(await ledgerOf(t.deps.prisma, status.generationId)).toEqual([
      ['reserve', -2],
      ['capture', 0],
    ]);
    expect(await balanceOf(t, '8401')).toBe(before - 2);
    const child = await t.deps.prisma.generation.findUniqueOrThrow({ where: { id: status.generationId } });
    expect(child).toMatchObject({ parentId: id, cost: 2, status: 'succeeded', provider: 'comfyui', model: 'comfyui' });
  });

  it('gives the credits back when the instance cannot run the upscale', async () => {
    const user = await newUser('8402');
    t.clock.advance(10_000);
    const id = await admit(user, 'imagine', 'a badger');
    await waitForMedia(t.notifier, id, SLOW_MS);
    const balance = await balanceOf(t, '8402');
    // The operator removed the upscale model file: ComfyUI refuses the graph.
    const models = comfy.upscaleModels.splice(0);
    try {
      t.clock.advance(10_000);
      const [status] = await user.press('upscale', `${id}:1`);
      if (status?.type !== 'status') throw new Error('not admitted');
      await t.notifier.waitFor(
        (delivery) =>
          delivery.replies.some(
            (reply) =>
              reply.type === 'status' && reply.generationId === status.generationId && reply.text.key === 'job.failed',
          ),
        SLOW_MS,
      );
      expect(await ledgerOf(t.deps.prisma, status.generationId)).toEqual([
        ['reserve', -2],
        ['release', 2],
      ]);
      expect(await balanceOf(t, '8402')).toBe(balance);
      const failed = await t.deps.prisma.generation.findUniqueOrThrow({ where: { id: status.generationId } });
      expect(failed.status).toBe('failed');
    } finally {
      comfy.upscaleModels.push(...models);
    }
  });
});
