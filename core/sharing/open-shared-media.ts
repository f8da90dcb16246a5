import type { CoreDeps } from '#core/core-deps';
import type { OpenedMedia } from '#core/generation/open-signed-media';
import { findSharedCreation } from '#core/sharing/find-shared-creation';

/**
 * The `index`-th (1-based) picture or video of the creation published under `slug`, for anyone,
 * only while the page itself would be shown (see `findSharedCreation`); undefined otherwise.
 */
export async function openSharedMedia(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'clock' | 'config'>,
  input: { slug: string; index: number },
): Promise<OpenedMedia | undefined> {
  const shared = await findSharedCreation(deps, input.slug);
  const output = Number.isInteger(input.index) ? shared?.outputs[input.index - 1] : undefined;
  if (!output) return undefined;
  const asset = await deps.prisma.mediaAsset.findUnique({ where: { id: output.id } });
  if (!asset) return undefined;
  const stream = await deps.media.createReadStream(asset.storageKey);
  return stream ? { mime: asset.mime, bytes: asset.bytes, sha256: asset.sha256, stream } : undefined;
}
