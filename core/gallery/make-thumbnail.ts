import type { CoreDeps } from '#core/core-deps';
import { storeMediaAsset } from '#core/generation/store-media-asset';
import type { MediaAsset } from '#core/infra/db/generated/client';

/** The longest side of a gallery thumbnail, in pixels (a grid cell at 2x on a phone). */
export const THUMBNAIL_SIZE = 384;
/** Larger originals are not thumbnailed (a decompression bomb would take the process's memory). */
const MAX_INPUT_PIXELS = 64_000_000;

type Sharp = import('sharp').SharpConstructor;
let loading: Promise<Sharp> | undefined;

/**
 * sharp (libvips) is loaded with the first thumbnail: processes that never make one (the bots,
 * a web process whose thumbnails all exist) do not map it. Its cache is off and one thread works
 * per image, so a thumbnail costs little memory beyond the image itself.
 */
function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return loading;
}

/**
 * Loads sharp now, for a process that will make thumbnails (a worker, before its first job):
 * mapping libvips takes a moment of CPU that would otherwise stall the first results.
 */
export async function prepareThumbnails(): Promise<void> {
  await loadSharp();
}

type Original = Pick<MediaAsset, 'id' | 'userId' | 'generationId' | 'storageKey' | 'mime' | 'createdAt'>;

/**
 * The thumbnail of a stored image, made once: a WebP at most {@link THUMBNAIL_SIZE} pixels on its
 * longer side, stored beside the original in the same media store and recorded as a
 * `thumbnail` asset naming it (same owner, generation and creation time, so account erasure,
 * deleting the creation and the retention run remove it with the original). An existing one is
 * returned as it is; two callers at once end with one (the loser's file is deleted). Undefined
 * for a video or when the original's file is gone.
 */
export async function makeThumbnail(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>,
  original: Original,
): Promise<MediaAsset | undefined> {
  if (!original.mime.startsWith('image/') || !original.userId) return undefined;
  const existing = await deps.prisma.mediaAsset.findUnique({ where: { thumbnailOfId: original.id } });
  if (existing) return existing;
  const bytes = await deps.media.get(original.storageKey);
  if (!bytes) return undefined;
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer({ resolveWithObject: true });
  let thumbnail: MediaAsset;
  try {
    thumbnail = await storeMediaAsset(
      deps,
      { bytes: data, mime: 'image/webp', width: info.width, height: info.height },
      {
        userId: original.userId,
        ...(original.generationId ? { generationId: original.generationId } : {}),
        role: 'thumbnail',
        width: info.width,
        height: info.height,
        thumbnailOfId: original.id,
        createdAt: original.createdAt,
      },
    );
  } catch (error) {
    const raced = await deps.prisma.mediaAsset.findUnique({ where: { thumbnailOfId: original.id } });
    if (raced) return raced;
    throw error;
  }
  // The original went while this was made (its creation deleted, retention): so does the copy.
  if ((await deps.prisma.mediaAsset.count({ where: { id: original.id } })) === 0) {
    await deps.prisma.mediaAsset.deleteMany({ where: { id: thumbnail.id } });
    await deps.media.delete(thumbnail.storageKey);
    return undefined;
  }
  return thumbnail;
}
