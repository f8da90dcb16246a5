import type { CoreDeps } from '#core/core-deps';

/** Months before the cutoff's month each run checks: older ones were checked by earlier runs. */
const MONTHS_CHECKED = 12;
/** Keys compared with the database at once. */
const BATCH = 1000;

/**
 * Deletes stored files that no `media_assets` row names, in the month folders wholly before the
 * retention cutoff's month: left by a process that died between storing a file and recording it.
 * Erasure and the age-based purge find files through their rows, so without this such a file
 * would be kept forever. Those folders hold no file that is still being recorded (a new file
 * goes to the current month), and every recorded file in them is past retention anyway; a file
 * whose row is still there is left to `purgeOldMedia`. Covers keys without a folder hint (all
 * the product stores). Returns the number deleted.
 */
export async function purgeOrphanMedia(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>,
  cutoff: Date,
): Promise<number> {
  let deleted = 0;
  for (let back = 1; back <= MONTHS_CHECKED; back += 1) {
    const first = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth() - back, 1));
    let batch: string[] = [];
    for await (const key of deps.media.listMonth({ year: first.getUTCFullYear(), month: first.getUTCMonth() + 1 })) {
      batch.push(key);
      if (batch.length === BATCH) {
        deleted += await deleteUnrecorded(deps, batch);
        batch = [];
      }
    }
    deleted += await deleteUnrecorded(deps, batch);
  }
  return deleted;
}

async function deleteUnrecorded(deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await deps.prisma.mediaAsset.findMany({
    where: { storageKey: { in: keys } },
    select: { storageKey: true },
  });
  const recorded = new Set(rows.map((row) => row.storageKey));
  const orphans = keys.filter((key) => !recorded.has(key));
  if (orphans.length === 0) return 0;
  const failures = await deps.media.deleteMany(orphans);
  if (failures.length > 0) {
    deps.logger.error(
      { err: failures[0]!.error, files: failures.length },
      'retention could not delete unrecorded media files; the next run tries again',
    );
  }
  return orphans.length - failures.length;
}
