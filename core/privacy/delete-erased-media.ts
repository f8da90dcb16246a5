import type { CoreDeps } from '#core/core-deps';

/** Keys read per call; one S3 DeleteObjects request takes up to 1000. */
const BATCH = 1000;

/**
 * Deletes from the media store the files of erased accounts waiting in `media_erasures` (only
 * `keys` when given; the erasure passes its own, the retention job all of them, oldest first).
 * A file the store removed (or never had) leaves the list; one it could not remove (S3 down or
 * refusing) stays with the error, for the next retention run, so an erasure is never undone by
 * a passing outage.
 */
export async function deleteErasedMedia(deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>, keys?: readonly string[]): Promise<{ deleted: number; pending: number }> {
  const waiting = await deps.prisma.mediaErasure.findMany({ where: keys ? { storageKey: { in: [...keys] } } : {}, orderBy: { createdAt: 'asc' }, take: BATCH, select: { storageKey: true } });
  if (waiting.length === 0) return { deleted: 0, pending: 0 };
  const failures = await deps.media.deleteMany(waiting.map((row) => row.storageKey));
  const failed = new Map(failures.map((failure) => [failure.key, failure.error]));
  const done = waiting.map((row) => row.storageKey).filter((key) => !failed.has(key));
  if (done.length > 0) await deps.prisma.mediaErasure.deleteMany({ where: { storageKey: { in: done } } });
  if (failures.length > 0) {
    const first = failures[0]!.error;
    deps.logger.warn({ err: first, files: failures.length }, 'could not delete erased media files; the retention job retries');
    const lastError = String((first as Error)?.message ?? first).slice(0, 500);
    await deps.prisma.mediaErasure.updateMany({ where: { storageKey: { in: [...failed.keys()] } }, data: { attempts: { increment: 1 }, lastError } });
  }
  return { deleted: done.length, pending: failures.length };
}
