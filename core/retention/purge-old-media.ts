import type { CoreDeps } from '#core/core-deps';

/**
 * Deletes stored images and videos (results and uploaded inputs) older than `cutoff`: the file,
 * then its row. A file that cannot be deleted keeps its row, so the next run tries again.
 * Works in batches; returns the number deleted.
 */
export async function purgeOldMedia(deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>, cutoff: Date, batchSize = 200): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await deps.prisma.mediaAsset.findMany({ where: { createdAt: { lt: cutoff } }, select: { id: true, storageKey: true }, orderBy: { createdAt: 'asc' }, take: batchSize });
    const done: string[] = [];
    for (const asset of batch) {
      try {
        await deps.media.delete(asset.storageKey);
        done.push(asset.id);
      } catch (error) {
        deps.logger.error({ err: error, assetId: asset.id }, 'retention could not delete a media file');
      }
    }
    if (done.length > 0) deleted += (await deps.prisma.mediaAsset.deleteMany({ where: { id: { in: done } } })).count;
    if (batch.length < batchSize || done.length === 0) return deleted;
  }
}
