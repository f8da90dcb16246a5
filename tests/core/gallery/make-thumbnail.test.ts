import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeThumbnail } from '#core/gallery/make-thumbnail';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { insertCreation } from '#tests/web/support/creations';

describe('makeThumbnail', () => {
  let t: TestCore;
  let userId: string;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
    userId = (await t.database.prisma.user.create({ data: { email: 'thumbs@example.com' } })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const prisma = () => t.database.prisma;

  /** Every file in this month's folder of the media store. */
  async function storedKeys(): Promise<string[]> {
    const now = t.clock.now();
    const keys: string[] = [];
    for await (const key of t.deps.media.listMonth({ year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 }))
      keys.push(key);
    return keys.sort();
  }

  it('makes one small WebP per image and returns the same one afterwards', async () => {
    const { assetIds } = await insertCreation(t, { userId });
    const original = await prisma().mediaAsset.findUniqueOrThrow({ where: { id: assetIds[0] ?? '' } });
    const first = await makeThumbnail(t.deps, original);
    expect(first).toMatchObject({ role: 'thumbnail', mime: 'image/webp', width: 384, height: 384, userId });
    expect((await makeThumbnail(t.deps, original))?.id).toBe(first?.id);
    const bytes = await t.deps.media.get(first?.storageKey ?? '');
    expect(bytes?.subarray(8, 12).toString()).toBe('WEBP');
  });

  it('makes none for a video', async () => {
    const { assetIds } = await insertCreation(t, { userId, kind: 'video' });
    const original = await prisma().mediaAsset.findUniqueOrThrow({ where: { id: assetIds[0] ?? '' } });
    expect(await makeThumbnail(t.deps, original)).toBeUndefined();
    expect(await prisma().mediaAsset.count({ where: { thumbnailOfId: original.id } })).toBe(0);
  });

  it('keeps no copy of an original deleted while the copy was made', async () => {
    const { assetIds } = await insertCreation(t, { userId });
    const original = await prisma().mediaAsset.findUniqueOrThrow({ where: { id: assetIds[0] ?? '' } });
    await prisma().mediaAsset.delete({ where: { id: original.id } });
    const before = await prisma().mediaAsset.count();
    const filesBefore = await storedKeys();
    expect(await makeThumbnail(t.deps, original)).toBeUndefined();
    expect(await prisma().mediaAsset.count()).toBe(before);
    expect(await storedKeys()).toEqual(filesBefore);
    expect(await prisma().mediaAsset.count({ where: { thumbnailOfId: original.id } })).toBe(0);
    await t.deps.media.delete(original.storageKey);
  });
});
