import type { CoreDeps } from '#core/core-deps';
import { makeThumbnail } from '#core/gallery/make-thumbnail';
import type { OpenedMedia } from '#core/generation/open-signed-media';

/**
 * The thumbnail of one of the account's own result images, made on first view for an image
 * stored before thumbnails existed (or whose thumbnail the worker could not make). Anyone else's,
 * a video, a bad id or a missing file are all undefined (the web answers 404).
 */
export async function openThumbnail(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>,
  input: { userId: string; assetId: string },
): Promise<OpenedMedia | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(input.assetId)) return undefined;
  const original = await deps.prisma.mediaAsset.findFirst({
    where: { id: input.assetId, userId: input.userId, role: 'output' },
  });
  if (!original) return undefined;
  const thumbnail = await makeThumbnail(deps, original);
  if (!thumbnail) return undefined;
  const stream = await deps.media.createReadStream(thumbnail.storageKey);
  return stream ? { mime: thumbnail.mime, bytes: thumbnail.bytes, sha256: thumbnail.sha256, stream } : undefined;
}
