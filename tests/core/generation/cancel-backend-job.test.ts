import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelImageBackendJob } from '#core/generation/image-backend-job';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { admit, eventually } from '#tests/core/generation/generation-helpers';

/** Stopping a generation's backend job by its id, as a Cancel button does, from a process that does not run it. */
describe('cancelImageBackendJob', () => {
  let comfy: FakeComfyUiApi;
  let t: TestCore;

  beforeAll(async () => {
    comfy = await FakeComfyUiApi.start({ steps: 50, stepMs: 100 });
    const env = { COMFYUI_URLS: comfy.url };
    t = await createTestCore({
      env,
    });
  });

  afterAll(async () => {
    await t?.close();
    await comfy?.close();
  });

  it('interrupts the prompt a running generation stored; a generation without one is left alone', async () => {
    const user = new ChatUser(t, '7601');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a clockmaker at his bench');
    await eventually(
      async () => (await t.database.prisma.generation.findUniqueOrThrow({ where: { id } })).providerOperation !== null,
      'the backend job was stored',
    );
    await eventually(
      async () => [...comfy.prompts.values()].some((prompt) => prompt.state === 'running'),
      'the prompt runs',
    );
    expect(await cancelImageBackendJob(t.deps, id)).toBe(true);
    const [promptId] = [...comfy.prompts.keys()];
    expect(comfy.interrupts).toEqual([{ running: promptId }]);

    expect(await cancelImageBackendJob(t.deps, '019aa000-0000-7000-8000-000000000000')).toBe(false);
    await t.database.prisma.generation.update({ where: { id }, data: { providerOperation: 'garbage' } });
    expect(await cancelImageBackendJob(t.deps, id)).toBe(false);
    expect(comfy.interrupts).toHaveLength(1);
  });
});
