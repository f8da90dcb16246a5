import { storeMediaAsset } from '#core/generation/store-media-asset';
import { makePng } from '#tests/fakes/test-png';
import type { TestCore } from '#tests/support/test-core';

/**
 * Writes a finished creation straight into the database (a generation row, and unless `files`
 * is 0 its stored pictures): many creations in a test without making each one through a chat.
 */
export async function insertCreation(
  t: TestCore,
  input: {
    userId: string;
    kind?: 'image' | 'video';
    platform?: 'telegram' | 'discord' | 'web';
    prompt?: string;
    createdAt?: Date;
    files?: number;
    options?: Record<string, unknown>;
  },
): Promise<{ generationId: string; assetIds: string[] }> {
  const kind = input.kind ?? 'image';
  const prompt = input.prompt ?? 'a test creation';
  const createdAt = input.createdAt ?? t.clock.now();
  const generation = await t.database.prisma.generation.create({
    data: {
      userId: input.userId,
      kind,
      prompt,
      options: { subject: prompt, aspectRatio: '1:1', count: 1, quality: 'standard', ...input.options },
      provider: 'demo',
      model: kind === 'image' ? 'demo-image' : 'demo-video',
      status: 'succeeded',
      cost: kind === 'image' ? 1 : 10,
      delivery: { platform: input.platform ?? 'telegram', chatId: '1', locale: 'en' },
      createdAt,
      finishedAt: createdAt,
    },
  });
  const assetIds: string[] = [];
  for (let index = 0; index < (input.files ?? 1); index += 1) {
    const asset = await storeMediaAsset(
      t.deps,
      kind === 'image'
        ? { bytes: makePng(640, 640, [30 + index * 40, 90, 160, 255]), mime: 'image/png', width: 640, height: 640 }
        : { bytes: Buffer.from('not really a video, but stored as one'), mime: 'video/mp4' },
      { userId: input.userId, generationId: generation.id, role: 'output', width: 640, height: 640, createdAt },
    );
    assetIds.push(asset.id);
  }
  return { generationId: generation.id, assetIds };
}
