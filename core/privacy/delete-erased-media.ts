import type { CoreDeps } from '#core/core-deps';

/** Keys per round; one S3 DeleteObjects request takes up to 1000. */
const BATCH = 1000;

type Deps = Pick<CoreDeps, 'prisma' | 'media' | 'logger'>;

/**
 * Deletes from the media store the files of erased accounts waiting in `media_erasures` (only
 * `keys` when given; the erasure passes its own, the retention job all of them, oldest first,
 * until a round fails). A file the store removed (or never had) leaves the list; one it could
 * not remove (S3 down or refusing) stays with the error, for the next retention run, so an
 * erasure is never undone by a passing outage.
 */
export async function deleteErasedMedia(
  deps: Deps,
  keys?: readonly string[],
): Promise<{ deleted: number; pending: number }> {
  let deleted = 0;
  let pending = 0;
  for (let offset = 0; ; offset += BATCH) {
    if (keys && offset >= keys.length) break;
    const where = keys ? { storageKey: { in: keys.slice(offset, offset + BATCH) } } : {};
    const waiting = await deps.prisma.mediaErasure.findMany({
      where,
      orderBy: { createdAt: 'asc' },
      take: BATCH,
      select: { storageKey: true },
    });
    const round = await deleteRound(
      deps,
      waiting.map((row) => row.storageKey),
    );
    deleted += round.deleted;
    pending += round.pending;
    if (!keys && (waiting.length < BATCH || round.pending > 0)) break;
  }
  return { deleted, pending };
}

async function deleteRound(deps: Deps, keys: string[]): Promise<{ deleted: number; pending: number }> {
  if (keys.length === 0) return { deleted: 0, pending: 0 };
  const failures = await deps.media.deleteMany(keys);
  const failed = new Set(failures.map((failure) => failure.key));
  const done = keys.filter((key) => !failed.has(key));
  if (done.length > 0) await deps.prisma.mediaErasure.deleteMany({ where: { storageKey: { in: done } } });
  if (failures.length > 0) {
    const first = failures[0]!.error;
    deps.logger.warn(
      { err: first, files: failures.length },
      'could not delete erased media files; the retention job retries',
    );
    const lastError = String((first as Error)?.message ?? first).slice(0, 500);
    await deps.prisma.mediaErasure.updateMany({
      where: { storageKey: { in: [...failed] } },
      data: { attempts: { increment: 1 }, lastError },
    });
  }
  return { deleted: done.length, pending: failures.length };
}
