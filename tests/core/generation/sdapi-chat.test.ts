import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { readPng } from '#tests/fakes/test-png';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { admit, ledgerOf, sha256, waitForMedia } from '#tests/core/generation/generation-helpers';

/**
 * With SDAPI_URLS pointing at two fake AUTOMATIC1111 servers and nothing else configured, the
 * registry the entry point builds sends `/imagine` to them (ahead of the demo provider), and the
 * pictures they painted reach the chat.
 */
describe('/imagine on AUTOMATIC1111-compatible servers', () => {
  let servers: FakeSdApi[];
  let t: TestCore;

  beforeAll(async () => {
    servers = [
      await FakeSdApi.start({ msPerImage: 20, auth: { username: 'bot', password: 'hunter2' } }),
      await FakeSdApi.start({ msPerImage: 20, auth: { username: 'bot', password: 'hunter2' } }),
    ];
    t = await createTestCore({
      env: { SDAPI_URLS: servers.map((server) => server.urlWithAuth).join(','), SDAPI_CHECKPOINT: 'sd_xl_base_1.0' },
    });
  });

  afterAll(async () => {
    await t?.close();
    for (const server of servers ?? []) {
      await server.close();
      expect(server.handlerErrors).toEqual([]);
    }
  });

  it('delivers the 4 PNGs a server painted for `/imagine a fox --n 4`', async () => {
    const user = new ChatUser(t, '7001');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a fox --n 4 --ar 16:9');
    const media = await waitForMedia(t.notifier, id);
    expect(media.items).toHaveLength(4);

    const jobs = servers.flatMap((server) => server.jobs);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      kind: 'txt2img',
      images: 4,
      checkpoint: 'sd_xl_base_1.0.safetensors [31e35c80fc]',
    });
    const painted = (jobs[0]?.outputs ?? []).map(sha256);
    const delivered = [];
    for (const item of media.items) {
      const bytes = await item.load();
      expect(readPng(bytes)).toMatchObject({ width: 1344, height: 768 });
      delivered.push(sha256(bytes));
    }
    expect(delivered.sort()).toEqual(painted.sort());
    expect(new Set(delivered).size).toBe(4);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'succeeded', provider: 'sdapi', model: 'stable-diffusion' });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -generation.cost],
      ['capture', 0],
    ]);
  });

  it('shows the seed of each picture; `--seed` with one of them paints that picture again', async () => {
    const user = new ChatUser(t, '7003');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a fox in a meadow --n 2');
    const media = await waitForMedia(t.notifier, id);
    const assets = await t.database.prisma.mediaAsset.findMany({
      where: { generationId: id, role: 'output' },
      orderBy: { createdAt: 'asc' },
    });
    const seeds = assets.map((asset) => Number(asset.seed));
    expect(seeds[1]).toBe((seeds[0] ?? 0) + 1);
    expect(renderText(media).split('\n')[1]).toBe(`Seeds ${seeds.join(', ')}`);

    t.clock.advance(5_000);
    const again = await admit(user, 'imagine', `a fox in a meadow --seed ${seeds[1]}`);
    const repeated = await waitForMedia(t.notifier, again);
    expect(renderText(repeated).split('\n')[1]).toBe(`Seed ${seeds[1]}`);
    expect(sha256(await (repeated.items[0] as { load(): Promise<Buffer> }).load())).toBe(assets[1]?.sha256);
  });

  it('passes `--no` as the negative prompt, and keeps it for a reroll', async () => {
    const user = new ChatUser(t, '7002');
    await user.onboard();
    const before = servers.flatMap((server) => server.jobs).length;
    const id = await admit(user, 'imagine', 'a harbour at dusk --no text, watermark --ar 3:2');
    await waitForMedia(t.notifier, id);
    const job = servers.flatMap((server) => server.jobs)[before];
    expect(job).toMatchObject({ kind: 'txt2img', negativePrompt: 'text, watermark' });
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation.prompt).toBe('a harbour at dusk');
    expect(generation.options).toMatchObject({ negativePrompt: 'text, watermark', aspectRatio: '3:2' });
  });
});
