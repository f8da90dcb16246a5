import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { colorForText, readPng } from '#tests/fakes/test-png';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { admit, ledgerOf, sha256, waitForMedia } from '#tests/core/generation/generation-helpers';

/** `/imagine` from chat to chat with COMFYUI_URLS pointing at the fake ComfyUI, over HTTP and WebSocket. */
describe('generation on ComfyUI', () => {
  let comfy: FakeComfyUiApi;
  let t: TestCore;

  beforeAll(async () => {
    comfy = await FakeComfyUiApi.start({ steps: 3, stepMs: 10 });
    const env = { COMFYUI_URLS: comfy.url };
    t = await createTestCore({ env });
  });

  afterAll(async () => {
    await t?.close();
    await comfy?.close();
  });

  it('/imagine a fox delivers the PNG ComfyUI saved, charged once', async () => {
    const user = new ChatUser(t, '7001');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a fox --ar 3:2');
    const media = await waitForMedia(t.notifier, id);
    const delivered = await media.items[0]!.load();

    const [prompt] = [...comfy.prompts.values()];
    expect(prompt?.state).toBe('success');
    const saved = prompt!.outputs['9']!.images[0]!;
    const view = await fetch(`${comfy.url}/view?${new URLSearchParams(saved)}`);
    expect(sha256(delivered)).toBe(sha256(Buffer.from(await view.arrayBuffer())));
    expect(readPng(delivered)).toEqual({ width: 1216, height: 832, topLeft: colorForText('a fox') });

    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'succeeded', provider: 'comfyui', model: 'comfyui' });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
  });

  it('makes an HD picture larger, since HD costs more', async () => {
    const user = new ChatUser(t, '7002');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a fox at night --ar 3:2 --hd');
    const media = await waitForMedia(t.notifier, id);
    const delivered = await media.items[0]!.load();
    expect(readPng(delivered)).toMatchObject({ width: 1856, height: 1280 });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -2],
      ['capture', 0],
    ]);
  });

  it('V2 sends picture 2 itself through the edit workflow at the strength asked', async () => {
    const user = new ChatUser(t, '7003');
    await user.onboard();
    t.clock.advance(10_000);
    const id = await admit(user, 'imagine', 'a crane --n 2');
    const media = await waitForMedia(t.notifier, id);
    const keys = (media.buttons ?? []).flat().map((button) => `${button.label.key}${button.label.vars?.n ?? ''}`);
    expect(keys).toEqual([
      'job.upscale_picture_button1',
      'job.upscale_picture_button2',
      'job.vary_picture_button1',
      'job.vary_picture_button2',
      'job.reroll_button',
      'job.remix_button',
      'job.as_file_button',
    ]);
    const picture2 = await media.items[1]!.load();

    const v2 = (media.buttons ?? []).flat().find((button) => button.label.vars?.n === 2)!;
    const [question] = await user.press('vary', v2.action!.arg);
    const strong = (question?.type === 'message' ? question.buttons : [])!.flat()[1]!;
    expect(strong.label.key).toBe('job.vary_strong_button');
    t.clock.advance(10_000);
    const [status] = await user.press('vary', strong.action!.arg);
    if (status?.type !== 'status') throw new Error('not admitted');
    await waitForMedia(t.notifier, status.generationId);

    const edit = [...comfy.prompts.values()].at(-1)!;
    const sampler = Object.values(edit.graph).find((node) => node.class_type === 'KSampler');
    expect(sampler?.inputs.denoise).toBe(0.7);
    const loaded = Object.values(edit.graph).find((node) => node.class_type === 'LoadImage');
    expect(sha256(comfy.uploads.get(String(loaded?.inputs.image)) ?? Buffer.alloc(0))).toBe(sha256(picture2));
  });
});
