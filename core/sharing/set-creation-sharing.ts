import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { newShareSlug } from '#core/sharing/share-slug';

/**
 * Publishes or unpublishes one of the account's own creations at `/s/<slug>`, and whether the
 * page shows its prompt and options. Off by default; the slug is made on the first publish and
 * kept, so a link shared before works again after republishing. Unpublishing takes the page
 * down at once. Only a finished creation that still has its files can be published; anyone
 * else's, a deleted or an expired one is `not_found`. Returns the slug.
 */
export async function setCreationSharing(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { userId: string; generationId: string; isPublished: boolean; isPromptShared: boolean },
): Promise<{ slug: string | null }> {
  const row = await deps.prisma.generation.findFirst({
    where: { id: input.generationId, userId: input.userId, status: 'succeeded', deletedAt: null },
    select: {
      id: true,
      shareSlug: true,
      publishedAt: true,
      media: { where: { role: 'output' }, select: { id: true } },
    },
  });
  if (!row || (input.isPublished && row.media.length === 0))
    throw new AppError('not_found', { message: `no shareable creation ${input.generationId} of this account` });
  const slug = row.shareSlug ?? (input.isPublished ? newShareSlug() : null);
  await deps.prisma.generation.update({
    where: { id: row.id },
    data: {
      shareSlug: slug,
      publishedAt: input.isPublished ? (row.publishedAt ?? deps.clock.now()) : null,
      isPromptShared: input.isPromptShared,
    },
  });
  return { slug };
}
