import type { CoreDeps } from '#core/core-deps';
import type { OpenedMedia } from '#core/generation/open-signed-media';

/**
 * A stored file for its owner's signed-in session. Another user's file, a bad id or a missing
 * file are all the same `undefined` (the web answers 404 and never says which).
 */
export async function openOwnMedia(
  deps: Pick<CoreDeps, 'prisma' | 'media'>,
  input: { userId: string; assetId: string },
): Promise<OpenedMedia | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(input.assetId)) return undefined;
  const asset = await deps.prisma.mediaAsset.findFirst({ where: { id: input.assetId, userId: input.userId } });
  if (!asset) return undefined;
  const stream = await deps.media.createReadStream(asset.storageKey);
  return stream ? { mime: asset.mime, bytes: asset.bytes, sha256: asset.sha256, stream } : undefined;
}
