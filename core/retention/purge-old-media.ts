import type { CoreDeps } from '#core/core-deps';

/**
 * Deletes stored images and videos (results and uploaded inputs) older than `cutoff`: the file,
 * then its row. A file that cannot be deleted keeps its row, so the next run tries again.
 * Works in batches (one S3 DeleteObjects call each); returns the number deleted.
 */
export async function purgeOldMedia(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>,
  cutoff: Date,
  batchSize = 200,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await deps.prisma.mediaAsset.findMany({
      where: { createdAt: { lt: cutoff } },
      select: { id: true, storageKey: true },
      orderBy: { createdAt: 'asc' },
      take: batchSize,
    });
    const failures = await deps.media.deleteMany(batch.map((asset) => asset.storageKey));
    const failed = new Set(failures.map((failure) => failure.key));
    if (failures.length > 0)
      deps.logger.error(
        { err: failures[0]!.error, files: failures.length },
        'retention could not delete media files; the next run tries again',
      );
    const done = batch.filter((asset) => !failed.has(asset.storageKey)).map((asset) => asset.id);
    if (done.length > 0) deleted += (await deps.prisma.mediaAsset.deleteMany({ where: { id: { in: done } } })).count;
    if (batch.length < batchSize || done.length === 0) return deleted;
  }
}
