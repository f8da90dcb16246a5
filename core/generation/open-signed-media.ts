import type { CoreDeps } from '#core/core-deps';
import { verifyMediaSignature } from '#core/infra/media/sign-media-url';

/** A stored file ready to stream. */
export type OpenedMedia = { mime: string; bytes: number; sha256: string; stream: NodeJS.ReadableStream };

/** Opens a media asset when the link's signature is valid and unexpired. */
export async function openSignedMedia(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'config' | 'clock'>,
  input: { assetId: string; exp: string; sig: string },
): Promise<OpenedMedia | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(input.assetId)) return undefined;
  const isValid = verifyMediaSignature({
    assetId: input.assetId,
    exp: input.exp,
    sig: input.sig,
    secret: deps.config.sessionSecret,
    now: deps.clock.now(),
  });
  if (!isValid) return undefined;
  const asset = await deps.prisma.mediaAsset.findUnique({ where: { id: input.assetId } });
  if (!asset) return undefined;
  const stream = await deps.media.createReadStream(asset.storageKey);
  return stream ? { mime: asset.mime, bytes: asset.bytes, sha256: asset.sha256, stream } : undefined;
}
