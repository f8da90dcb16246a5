import type { PrismaClient } from '#core/infra/db/create-database';

/**
 * The pictures (or the video) a generation made, in the order they were delivered: picture n of
 * a result and the n-th per-picture button mean the same one, so every reader orders alike.
 */
export function findOutputAssets(prisma: Pick<PrismaClient, 'mediaAsset'>, generationId: string) {
  return prisma.mediaAsset.findMany({
    where: { generationId, role: 'output' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}
