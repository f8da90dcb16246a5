import type { CoreDeps } from '#core/core-deps';

/** What the generation row keeps of an image job queued on a backend (`providerOperation`). */
type StoredImageJob = { provider: string; handle: string };

/**
 * The backend job an earlier attempt of this generation started on `provider` (its handle from
 * `ImageRequest.onStarted`), read afresh so a retry or a worker that took over a dead one's job
 * follows it instead of submitting it again. `undefined` when there is none, or it is another provider's.
 */
export async function readStoredImageJob(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  provider: string,
): Promise<string | undefined> {
  const stored = await readStored(deps, generationId);
  return stored?.provider === provider ? stored.handle : undefined;
}

/** Stores a backend job's handle on the generation as soon as the backend holds the work. */
export async function rememberImageJob(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  provider: string,
  handle: string,
): Promise<void> {
  const stored: StoredImageJob = { provider, handle };
  await deps.prisma.generation.update({
    where: { id: generationId },
    data: { providerOperation: JSON.stringify(stored) },
  });
}

/**
 * Stops the backend job of an image generation, from any process: the queued prompt is taken off
 * the backend's queue, a running one interrupted (`ImageProvider.cancelImages`). For the Cancel
 * button and ends decided outside the worker; returns whether a backend job was found to stop.
 */
export async function cancelImageBackendJob(
  deps: Pick<CoreDeps, 'prisma' | 'providers'>,
  generationId: string,
): Promise<boolean> {
  const stored = await readStored(deps, generationId);
  const provider = deps.providers.image.find((candidate) => candidate.name === stored?.provider);
  if (!stored || !provider?.cancelImages) return false;
  await provider.cancelImages(stored.handle);
  return true;
}

async function readStored(deps: Pick<CoreDeps, 'prisma'>, generationId: string): Promise<StoredImageJob | undefined> {
  const row = await deps.prisma.generation.findUnique({
    where: { id: generationId },
    select: { kind: true, providerOperation: true },
  });
  if (row?.kind !== 'image' || !row.providerOperation) return undefined;
  try {
    const value = JSON.parse(row.providerOperation) as Partial<StoredImageJob>;
    return typeof value.provider === 'string' && typeof value.handle === 'string'
      ? { provider: value.provider, handle: value.handle }
      : undefined;
  } catch {
    return undefined;
  }
}
