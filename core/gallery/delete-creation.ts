import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { deleteErasedMedia } from '#core/privacy/delete-erased-media';

/**
 * Deletes one of the account's finished creations at its owner's request: every file of it
 * (results, thumbnails, the photo it edited) is listed in `media_erasures` and its rows removed
 * in one transaction, then deleted from the media store (what the store refuses now, the
 * retention job retries); the prompt, template and options are blanked and its public page
 * stops at once (unpublished, slug dropped). The generation row stays with its kind, cost and
 * dates, as do its ledger entries: the credit history keeps the fact and the cost.
 * Anyone else's, an unfinished or an already deleted creation is `not_found`.
 */
export async function deleteCreation(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger' | 'clock'>,
  input: { userId: string; generationId: string },
): Promise<void> {
  const now = deps.clock.now();
  const keys = await deps.prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string; inputMediaId: string | null }[]>`
      SELECT id, "inputMediaId" FROM generations
      WHERE id = ${input.generationId}::uuid AND "userId" = ${input.userId}::uuid
        AND status = 'succeeded' AND "deletedAt" IS NULL
      FOR UPDATE`;
    if (!row) return undefined;
    const media = await tx.mediaAsset.findMany({
      where: {
        OR: [{ generationId: row.id }, ...(row.inputMediaId ? [{ id: row.inputMediaId, userId: input.userId }] : [])],
      },
      select: { id: true, storageKey: true },
    });
    if (media.length > 0) {
      await tx.mediaErasure.createMany({
        data: media.map((asset) => ({ storageKey: asset.storageKey })),
        skipDuplicates: true,
      });
      await tx.mediaAsset.deleteMany({ where: { id: { in: media.map((asset) => asset.id) } } });
    }
    await tx.generation.update({
      where: { id: row.id },
      data: {
        prompt: null,
        templateId: null,
        options: {},
        inputMediaId: null,
        deletedAt: now,
        publishedAt: null,
        isPromptShared: false,
        shareSlug: null,
      },
    });
    return media.map((asset) => asset.storageKey);
  });
  if (!keys) throw new AppError('not_found', { message: `no creation ${input.generationId} of this account` });
  if (keys.length > 0)
    await deleteErasedMedia(deps, keys).catch((error: unknown) =>
      deps.logger.error({ err: error }, 'could not delete a deleted creation’s files; the retention job retries'),
    );
}
