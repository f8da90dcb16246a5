import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '#core';
import { finishGeneration } from '#core/generation/finish-generation';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import {
  admit,
  balanceOf,
  ledgerOf,
  mediaDeliveriesOf,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

/**
 * Pay for what arrives: a job of N pictures whose provider delivers fewer (its safety system
 * filtered some) spends the per-picture price of those that arrived and gives the rest back, once.
 */
describe('partial delivery', () => {
  let openai: FakeOpenAIApi;
  let t: TestCore;
  let nextUser = 5100;

  beforeAll(async () => {
    openai = await FakeOpenAIApi.start();
    t = await createTestCore({
      env: { PROVIDER_RETRY_BASE_MS: '20', PROVIDER_RETRY_MAX_MS: '50', IMAGE_JOB_TIMEOUT_SECONDS: '5' },
      providers: { image: [createOpenAiImageProvider({ apiKey: openai.apiKey, baseUrl: openai.baseURL })], video: [] },
    });
  });

  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  async function newUser(locale: Locale = 'en'): Promise<ChatUser> {
    nextUser += 1;
    const user = new ChatUser(t, String(nextUser), locale);
    await user.onboard();
    return user;
  }

  it('charges 3 of 4 pictures, returns 1 credit and says so', async () => {
    openai.withheldImages = 1;
    const user = await newUser();
    const id = await admit(user, 'imagine', 'four lemons on a plate --n 4 --model gpt-image-1');
    const media = await waitForMedia(t.notifier, id);
    expect(media.items).toHaveLength(3);
    expect(renderText(media).split('\n')[1]).toBe('3 of 4 pictures arrived; 1 credit was returned.');
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -4],
      ['capture', 0],
      ['release', 1],
    ]);
    expect(await balanceOf(t, user.platformUserId)).toBe(7);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'succeeded', cost: 3 });
    expect(
      await t.database.prisma.reservationAllocation.aggregate({
        _sum: { amount: true },
        where: { reservation: { generationId: id } },
      }),
    ).toEqual({ _sum: { amount: 3 } });
    // Ending it again (a duplicate job, a sweep) moves no credit.
    expect(await finishGeneration(t.deps, id, { status: 'succeeded' })).toBe(false);
    expect(await finishGeneration(t.deps, id, { status: 'failed', errorCode: 'internal' })).toBe(false);
    expect(await ledgerOf(t.database.prisma, id)).toHaveLength(3);
    expect(await balanceOf(t, user.platformUserId)).toBe(7);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(1);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it("returns the HD price of each missing picture, in the user's language", async () => {
    openai.withheldImages = 2;
    const user = await newUser('zh-CN');
    const id = await admit(user, 'imagine', 'two kites --n 4 --hd --model gpt-image-1');
    const media = await waitForMedia(t.notifier, id);
    expect(media.items).toHaveLength(2);
    expect(renderText(media, 'zh-CN').split('\n')[1]).toBe('4 张图片中到达了 2 张；已退还 4 个积分。');
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -8],
      ['capture', 0],
      ['release', 4],
    ]);
    expect(await balanceOf(t, user.platformUserId)).toBe(6);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });

  it('says nothing about missing pictures and charges all when all arrive', async () => {
    openai.withheldImages = 0;
    const user = await newUser();
    const id = await admit(user, 'imagine', 'two pears --n 2 --model gpt-image-1');
    const media = await waitForMedia(t.notifier, id);
    expect(media.items).toHaveLength(2);
    expect(renderText(media).split('\n')).toHaveLength(1);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -2],
      ['capture', 0],
    ]);
  });

  it('refunds everything when no picture arrives', async () => {
    openai.withheldImages = 4;
    const user = await newUser();
    const id = await admit(user, 'imagine', 'an empty frame --n 4 --model gpt-image-1');
    await waitForStatus(t.notifier, id, 'job.failed', 20_000);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -4],
      ['release', 4],
    ]);
    expect(await balanceOf(t, user.platformUserId)).toBe(10);
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });
});
