import type { CoreDeps } from '#core/core-deps';
import { readImageSize } from '#core/providers/google/read-image-size';
import type { ImageUpscaler, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import type { Route } from '#core/providers/route-model';

/** How many times larger the Upscale button makes a picture, on each side. */
export const UPSCALE_FACTOR = 2;

/**
 * Enlarges one stored picture on `route` (a model that upscales, see `canUpscale`) and checks
 * that what came back really is at least {@link UPSCALE_FACTOR} times as wide and as tall: a
 * server whose upscaler is `None` answers the picture unchanged, and that is no upscale to charge
 * for (the job fails `invalid`, refunded). Throws `ProviderError` as the provider does.
 */
export async function upscalePicture(
  deps: Pick<CoreDeps, 'providers'>,
  route: Route,
  input: MediaFile,
  signal: AbortSignal,
): Promise<MediaFile> {
  const provider = deps.providers.image.find((candidate) => candidate.name === route.provider) as
    | Partial<ImageUpscaler>
    | undefined;
  if (!provider?.upscaleImage)
    throw new ProviderError(route.provider, 'transient', 'no provider that upscales is configured in this process');
  const before = readImageSize(input.bytes);
  const file = await provider.upscaleImage({ image: input, scale: UPSCALE_FACTOR, model: route.model, signal });
  const after = readImageSize(file.bytes);
  if (
    !before ||
    !after ||
    after.width < before.width * UPSCALE_FACTOR ||
    after.height < before.height * UPSCALE_FACTOR
  ) {
    const sizes = `${before?.width}×${before?.height} -> ${after?.width}×${after?.height}`;
    throw new ProviderError(route.provider, 'invalid', `${route.provider}: the upscale did not enlarge (${sizes})`);
  }
  return { ...file, width: after.width, height: after.height };
}
