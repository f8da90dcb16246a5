import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Button, Reply } from '#core';
import { deleteCreation } from '#core/gallery/delete-creation';
import { grantCredits } from '#core/credits/grant-credits';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { readPng } from '#tests/fakes/test-png';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import {
  admit,
  balanceOf,
  ledgerOf,
  sha256,
  userIdOf,
  waitForMedia,
  type MediaReply,
} from '#tests/core/generation/generation-helpers';

/**
 * The buttons under a result, against a fake AUTOMATIC1111 server with the default models file:
 * one Upscale and one Vary per picture, an upscale that enlarges that very picture through
 * `extra-single-image` at the models file's upscale price, a variation that sends that very
 * picture to `img2img`, and presses that must not admit twice or charge for nothing.
 */
/** Pictures are stored with thumbnails before delivery: on a loaded machine that takes seconds. */
const SLOW_MS = 60_000;

describe('per-picture Upscale and Vary on AUTOMATIC1111-compatible servers', { timeout: 120_000 }, () => {
  let server: FakeSdApi;
  let t: TestCore;

  beforeAll(async () => {
    server = await FakeSdApi.start({ msPerImage: 5 });
    t = await createTestCore({ env: { SDAPI_URLS: server.url } });
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
    expect(server?.handlerErrors ?? []).toEqual([]);
  });

  /** A user with credits enough for several jobs. */
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

  /** Admits `/imagine args` and waits for its pictures (the clock moves past the free plan's spacing first). */
  async function imagine(user: ChatUser, args: string): Promise<{ id: string; media: MediaReply }> {
    t.clock.advance(10_000);
    const id = await admit(user, 'imagine', args);
    return { id, media: await waitForMedia(t.notifier, id, SLOW_MS) };
  }

  /** Presses a button and returns the job it admitted, failing with what the user read otherwise. */
  async function pressForJob(user: ChatUser, button: Button | undefined): Promise<string> {
    if (!button?.action) throw new Error('no such button');
    t.clock.advance(10_000);
    const replies = await user.press(button.action.name, button.action.arg);
    const status = replies.find((reply) => reply.type === 'status');
    if (status?.type !== 'status') throw new Error(`not admitted: ${JSON.stringify(replies)}`);
    return status.generationId;
  }

  const labels = (rows: Button[][] | undefined) =>
    (rows ?? []).map((row) => row.map((button) => `${button.label.key}${button.label.vars?.n ?? ''}`));
  const buttonsOf = (reply: Reply | undefined) =>
    reply?.type === 'media' || reply?.type === 'message' ? (reply.buttons ?? []) : [];
  const find = (rows: Button[][], key: string, n?: number) =>
    rows.flat().find((button) => button.label.key === key && (n === undefined || button.label.vars?.n === n));

  it('gives 4 pictures one Upscale and one Vary each; U2 enlarges picture 2 twice over at the upscale price', async () => {
    const user = await newUser('8101');
    const { id, media } = await imagine(user, 'a fox --n 4');
    expect(media.items).toHaveLength(4);
    expect(labels(media.buttons)).toEqual([
      [
        'job.upscale_picture_button1',
        'job.upscale_picture_button2',
        'job.upscale_picture_button3',
        'job.upscale_picture_button4',
      ],
      ['job.vary_picture_button1', 'job.vary_picture_button2', 'job.vary_picture_button3', 'job.vary_picture_button4'],
      ['job.reroll_button', 'job.remix_button', 'job.as_file_button'],
    ]);
    // Telegram's callback_data holds at most 64 bytes.
    for (const button of (media.buttons ?? []).flat())
      expect(Buffer.byteLength(`${button.action?.arg}`)).toBeLessThan(60);

    const picture2 = await (media.items[1] as MediaReply['items'][number]).load();
    const before = await balanceOf(t, '8101');
    const upscaleId = await pressForJob(user, find(media.buttons ?? [], 'job.upscale_picture_button', 2));
    const result = await waitForMedia(t.notifier, upscaleId, SLOW_MS);
    expect(result.items).toHaveLength(1);
    const delivered = await (result.items[0] as MediaReply['items'][number]).load();
    const source = readPng(picture2);
    expect(readPng(delivered)).toMatchObject({ width: source.width * 2, height: source.height * 2 });

    const upscale = server.jobs.at(-1);
    expect(upscale).toMatchObject({ kind: 'upscale', upscaler: 'R-ESRGAN 4x+', upscalingResize: 2 });
    expect(sha256(upscale?.inputs[0] ?? Buffer.alloc(0))).toBe(sha256(picture2));
    expect(sha256(delivered)).toBe(sha256(upscale?.outputs[0] ?? Buffer.alloc(0)));

    // The default models file's upscale price, reserved then captured once.
    const upscalePrice = t.deps.config.models.find((model) => model.id === 'stable-diffusion')?.cost.upscale;
    expect(upscalePrice).toBe(2);
    expect(await ledgerOf(t.deps.prisma, upscaleId)).toEqual([
      ['reserve', -2],
      ['capture', 0],
    ]);
    expect(await balanceOf(t, '8101')).toBe(before - 2);
    const child = await t.deps.prisma.generation.findUniqueOrThrow({ where: { id: upscaleId } });
    expect(child).toMatchObject({ parentId: id, cost: 2, status: 'succeeded', model: 'stable-diffusion' });

    // An upscaled picture can be varied, not upscaled or rerolled again.
    expect(labels(result.buttons)).toEqual([['job.vary_button'], ['job.as_file_button']]);
  });

  it('/models names the upscale price next to the model that upscales', async () => {
    const user = await newUser('8107');
    const lines = renderText((await user.command('models'))[0]).split('\n');
    const sd = lines.indexOf('• Stable Diffusion (own servers): --model stable-diffusion (used when you name none)');
    expect(lines.slice(sd + 1, sd + 3)).toEqual([
      '  Credits per image: 1; HD ×2',
      '  Upscale ×2: 2 credits per picture',
    ]);
  });

  it('admits a pressed-again Upscale once, even two presses at the same moment', async () => {
    const user = await newUser('8102');
    const { id, media } = await imagine(user, 'a hare --n 2');
    const u1 = find(media.buttons ?? [], 'job.upscale_picture_button', 1);
    const upscaleId = await pressForJob(user, u1);
    await waitForMedia(t.notifier, upscaleId, SLOW_MS);
    const balance = await balanceOf(t, '8102');
    const jobs = server.jobs.length;

    t.clock.advance(10_000);
    const again = await user.press('upscale', u1?.action?.arg ?? '');
    expect(again).toEqual([expect.objectContaining({ type: 'message', text: { key: 'job.follow_up_repeated' } })]);

    const u2 = find(media.buttons ?? [], 'job.upscale_picture_button', 2);
    t.clock.advance(10_000);
    const both = await Promise.all([
      user.press('upscale', u2?.action?.arg ?? ''),
      user.press('upscale', u2?.action?.arg ?? ''),
    ]);
    const admitted = both.flat().filter((reply) => reply.type === 'status');
    expect(admitted).toHaveLength(1);
    const second = admitted[0]?.type === 'status' ? admitted[0].generationId : '';
    await waitForMedia(t.notifier, second, SLOW_MS);
    expect(await t.deps.prisma.generation.count({ where: { parentId: id } })).toBe(2);
    expect(await balanceOf(t, '8102')).toBe(balance - 2);
    expect(server.jobs.length).toBe(jobs + 1);
  });

  it('V3 asks how strongly, then sends picture 3 itself to img2img at that strength', async () => {
    const user = await newUser('8103');
    const { id, media } = await imagine(user, 'a lynx --n 4');
    const picture3 = await (media.items[2] as MediaReply['items'][number]).load();

    const question = await user.press('vary', find(media.buttons ?? [], 'job.vary_picture_button', 3)?.action?.arg);
    expect(question[0]).toMatchObject({ type: 'message', text: { key: 'job.vary_choice', vars: { n: 3 } } });
    expect(labels(buttonsOf(question[0]))).toEqual([['job.vary_subtle_button', 'job.vary_strong_button']]);
    expect(await t.deps.prisma.generation.count({ where: { parentId: id } })).toBe(0);

    const before = await balanceOf(t, '8103');
    const varyId = await pressForJob(user, find(buttonsOf(question[0]), 'job.vary_strong_button'));
    const result = await waitForMedia(t.notifier, varyId, SLOW_MS);
    const job = server.jobs.at(-1);
    expect(job).toMatchObject({ kind: 'img2img', images: 4, denoisingStrength: 0.7 });
    expect(job?.inputs).toHaveLength(1);
    expect(sha256(job?.inputs[0] ?? Buffer.alloc(0))).toBe(sha256(picture3));
    expect(result.items).toHaveLength(4);
    expect(await balanceOf(t, '8103')).toBe(before - 4);

    // The subtle one, and a reroll of a variation: picture 3 again, not a new picture from words.
    const subtleId = await pressForJob(user, find(buttonsOf(question[0]), 'job.vary_subtle_button'));
    await waitForMedia(t.notifier, subtleId, SLOW_MS);
    expect(server.jobs.at(-1)).toMatchObject({ kind: 'img2img', denoisingStrength: 0.35 });
    const rerollId = await pressForJob(user, find(result.buttons ?? [], 'job.reroll_button'));
    await waitForMedia(t.notifier, rerollId, SLOW_MS);
    const reroll = server.jobs.at(-1);
    expect(reroll).toMatchObject({ kind: 'img2img', denoisingStrength: 0.7 });
    expect(sha256(reroll?.inputs[0] ?? Buffer.alloc(0))).toBe(sha256(picture3));
  });

  it('answers buttons from before pictures had their own without charging twice', async () => {
    const user = await newUser('8104');
    const { id: four } = await imagine(user, 'an owl --n 4');
    const balance = await balanceOf(t, '8104');
    // An old Upscale on four pictures: which one?
    const pick = await user.press('upscale', four);
    expect(pick[0]).toMatchObject({ type: 'message', text: { key: 'job.pick_picture' } });
    expect(labels(buttonsOf(pick[0]))).toEqual([
      [
        'job.upscale_picture_button1',
        'job.upscale_picture_button2',
        'job.upscale_picture_button3',
        'job.upscale_picture_button4',
      ],
    ]);
    const varyPick = await user.press('vary', four);
    expect(labels(buttonsOf(varyPick[0]))).toEqual([
      ['job.vary_picture_button1', 'job.vary_picture_button2', 'job.vary_picture_button3', 'job.vary_picture_button4'],
    ]);
    expect(await balanceOf(t, '8104')).toBe(balance);
    expect(await t.deps.prisma.generation.count({ where: { parentId: four } })).toBe(0);

    // On one picture, the old Upscale upscales it; pressed again, it does not charge again.
    const { id: one, media } = await imagine(user, 'an owl');
    const upscaleId = await pressForJob(user, {
      label: { key: 'job.upscale_button' },
      action: { name: 'upscale', arg: one },
    });
    const result = await waitForMedia(t.notifier, upscaleId, SLOW_MS);
    const source = readPng(await (media.items[0] as MediaReply['items'][number]).load());
    expect(readPng(await (result.items[0] as MediaReply['items'][number]).load())).toMatchObject({
      width: source.width * 2,
      height: source.height * 2,
    });
    t.clock.advance(10_000);
    expect((await user.press('upscale', one))[0]).toMatchObject({ text: { key: 'job.follow_up_repeated' } });
    expect((await user.press('vary', one))[0]).toMatchObject({ text: { key: 'job.vary_choice', vars: { n: 1 } } });
    expect(await t.deps.prisma.generation.count({ where: { parentId: one } })).toBe(1);
  });

  it('refuses a picture that is gone, garbage, and someone else pressing, charging nothing', async () => {
    const owner = await newUser('8105');
    const { id, media } = await imagine(owner, 'a heron --n 2');
    const u1 = find(media.buttons ?? [], 'job.upscale_picture_button', 1)?.action?.arg ?? '';
    const other = new ChatUser(t, '8106', 'en', 'telegram', '-100500');
    await other.onboard();
    const otherBalance = await balanceOf(t, '8106');
    t.clock.advance(10_000);
    expect((await other.press('upscale', u1))[0]).toMatchObject({ text: { key: 'errors.not_job_owner' } });
    expect(await balanceOf(t, '8106')).toBe(otherBalance);

    const balance = await balanceOf(t, '8105');
    for (const arg of [`${id}:9`, `${id}:0`, `${id}:1:wild`, 'not-an-id', `${id}:1:subtle:x`]) {
      const [reply] = await owner.press('upscale', arg);
      expect(reply, arg).toMatchObject({ type: 'message', text: { key: expect.stringMatching(/^errors\./) } });
    }
    // Retention took picture 2's file: nothing to upscale.
    const assets = await t.deps.prisma.mediaAsset.findMany({ where: { generationId: id, role: 'output' } });
    const second = assets.find((asset) => asset.id === media.items[1]?.assetId);
    await t.deps.media.delete(second?.storageKey ?? '');
    const u2 = find(media.buttons ?? [], 'job.upscale_picture_button', 2)?.action?.arg ?? '';
    expect((await owner.press('upscale', u2))[0]).toMatchObject({ text: { key: 'errors.picture_gone' } });
    // Deleted from the gallery: the whole creation is gone.
    await deleteCreation(t.deps, { userId: await userIdOf(t.deps.prisma, '8105'), generationId: id });
    expect((await owner.press('upscale', u1))[0]).toMatchObject({ text: { key: 'errors.job_not_found' } });
    expect((await owner.press('vary', `${u1}:strong`))[0]).toMatchObject({ text: { key: 'errors.job_not_found' } });
    expect(await balanceOf(t, '8105')).toBe(balance);
    expect(await t.deps.prisma.generation.count({ where: { parentId: id } })).toBe(0);
  });
});

describe('an upscaler that does not enlarge', { timeout: 120_000 }, () => {
  let server: FakeSdApi;
  let t: TestCore;

  beforeAll(async () => {
    server = await FakeSdApi.start();
    // A1111 answers the picture unchanged when the upscaler is `None`.
    t = await createTestCore({ env: { SDAPI_URLS: server.url, SDAPI_UPSCALER: 'None' } });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('fails the upscale and gives the credits back rather than charge for the same picture', async () => {
    const user = new ChatUser(t, '8301');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a stork');
    await waitForMedia(t.notifier, id, SLOW_MS);
    const balance = await balanceOf(t, '8301');
    t.clock.advance(10_000);
    const [status] = await user.press('upscale', `${id}:1`);
    if (status?.type !== 'status') throw new Error('not admitted');
    await t.notifier.waitFor((delivery) =>
      delivery.replies.some(
        (reply) =>
          reply.type === 'status' && reply.generationId === status.generationId && reply.text.key === 'job.failed',
      ),
    );
    expect(server.jobs.at(-1)).toMatchObject({ kind: 'upscale', upscaler: 'None' });
    expect(await ledgerOf(t.deps.prisma, status.generationId)).toEqual([
      ['reserve', -2],
      ['release', 2],
    ]);
    expect(await balanceOf(t, '8301')).toBe(balance);

    // A try that made nothing does not use the button up: pressed again, it is a new job.
    t.clock.advance(10_000);
    const [again] = await user.press('upscale', `${id}:1`);
    expect(again).toMatchObject({ type: 'status' });
    expect(again?.type === 'status' && again.generationId).not.toBe(status.generationId);
  });
});

describe('follow-up buttons where nothing can upscale', { timeout: 120_000 }, () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows no Upscale on the demo pictures, and an old Upscale button says why, charging nothing', async () => {
    const user = new ChatUser(t, '8201');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a fox --n 2');
    const media = await waitForMedia(t.notifier, id, SLOW_MS);
    const keys = (media.buttons ?? []).flat().map((button) => button.label.key);
    expect(keys).not.toContain('job.upscale_picture_button');
    expect(keys).toContain('job.vary_picture_button');
    const balance = await balanceOf(t, '8201');
    t.clock.advance(10_000);
    expect((await user.press('upscale', id))[0]).toMatchObject({ text: { key: 'errors.upscale_unavailable' } });
    expect((await user.press('upscale', `${id}:1`))[0]).toMatchObject({ text: { key: 'errors.upscale_unavailable' } });
    expect(await balanceOf(t, '8201')).toBe(balance);
  });
});
