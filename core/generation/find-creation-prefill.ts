import type { CoreDeps } from '#core/core-deps';
import type { ImageFormFields } from '#core/generation/parse-generation-options';

/** What the web form starts with when it comes from an earlier creation. */
export type CreationPrefill = {
  fields: ImageFormFields;
  /** A stored picture of the owner's to edit (vary). */
  inputAssetId?: string;
};

/**
 * The form for making an image again from one of the user's own creations: `again` copies its
 * prompt and options; `vary` copies the prompt and takes its `image`-th picture (1-based) as the
 * picture to edit. Undefined for a missing id, anyone else's creation, a video or a picture
 * number it does not have, or a creation deleted from the gallery.
 */
export async function findCreationPrefill(
  deps: Pick<CoreDeps, 'prisma'>,
  input: { userId: string; generationId: string; mode: 'again' | 'vary'; image?: number },
): Promise<CreationPrefill | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(input.generationId)) return undefined;
  const generation = await deps.prisma.generation.findUnique({ where: { id: input.generationId } });
  if (!generation || generation.userId !== input.userId || generation.kind !== 'image' || generation.deletedAt)
    return undefined;
  const stored = (generation.options ?? {}) as {
    subject?: string;
    aspectRatio?: string;
    count?: number;
    quality?: 'standard' | 'hd';
    requestedModel?: string;
    negativePrompt?: string;
  };
  const fields: ImageFormFields = {
    prompt: stored.subject ?? generation.prompt ?? '',
    template: generation.templateId ?? '',
    model: stored.requestedModel ?? '',
    aspectRatio: stored.aspectRatio ?? '',
    count: String(input.mode === 'vary' ? 1 : (stored.count ?? 1)),
    hd: stored.quality === 'hd',
    negative: stored.negativePrompt ?? '',
  };
  if (input.mode === 'again') return { fields };
  const index = (input.image ?? 1) - 1;
  if (!Number.isInteger(index) || index < 0) return undefined;
  const assets = await deps.prisma.mediaAsset.findMany({
    where: { generationId: generation.id, role: 'output' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  const asset = assets[index];
  return asset ? { fields, inputAssetId: asset.id } : undefined;
}
