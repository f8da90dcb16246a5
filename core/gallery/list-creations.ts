import type { CoreDeps } from '#core/core-deps';
import { CARD_MEDIA, toCreationCard, type CreationCard, type CreationSource } from '#core/gallery/creation-card';

/** Creations per gallery page. */
export const GALLERY_PAGE_SIZE = 24;

/** What the gallery lists: one page, optionally only one kind and one source. */
export type GalleryQuery = {
  userId: string;
  page: number;
  kind?: 'image' | 'video' | undefined;
  source?: CreationSource | undefined;
};

/** One page of the gallery. */
export type GalleryPage = { items: CreationCard[]; page: number; hasNext: boolean };

/**
 * The account's finished creations, newest first, {@link GALLERY_PAGE_SIZE} a page: jobs that
 * succeeded and were not deleted by their owner. A creation whose files retention removed is
 * still listed (its card says so), so the history matches the credit history.
 */
export async function listCreations(
  deps: Pick<CoreDeps, 'prisma' | 'config'>,
  query: GalleryQuery,
): Promise<GalleryPage> {
  const page = Math.max(1, Math.min(10_000, Math.trunc(query.page) || 1));
  const rows = await deps.prisma.generation.findMany({
    where: {
      userId: query.userId,
      status: 'succeeded',
      deletedAt: null,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.source ? { delivery: { path: ['platform'], equals: query.source } } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: (page - 1) * GALLERY_PAGE_SIZE,
    take: GALLERY_PAGE_SIZE + 1,
    select: {
      id: true,
      kind: true,
      prompt: true,
      options: true,
      model: true,
      cost: true,
      createdAt: true,
      delivery: true,
      publishedAt: true,
      media: CARD_MEDIA,
    },
  });
  return {
    items: rows.slice(0, GALLERY_PAGE_SIZE).map((row) => toCreationCard(row, deps.config.models)),
    page,
    hasNext: rows.length > GALLERY_PAGE_SIZE,
  };
}
