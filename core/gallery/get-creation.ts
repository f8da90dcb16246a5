import type { CoreDeps } from '#core/core-deps';
import { CARD_MEDIA, toCreationCard, type CreationCard } from '#core/gallery/creation-card';

/** The options a creation was made with, as stored at admission. */
export type CreationOptions = {
  aspectRatio: string | undefined;
  count: number | undefined;
  quality: string | undefined;
  durationSeconds: number | undefined;
  seed: number | undefined;
};

/** One creation opened in the gallery: the card, its options and seed, and how it is shared. */
export type CreationDetail = CreationCard & {
  options: CreationOptions;
  templateId: string | null;
  share: { slug: string | null; isPublished: boolean; isPromptShared: boolean };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads the stored options JSON of a generation, keeping only well-typed values. */
export function readCreationOptions(value: unknown): CreationOptions {
  const options = (value ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
  const number = (key: string) => (typeof options[key] === 'number' ? (options[key] as number) : undefined);
  return {
    aspectRatio: text('aspectRatio'),
    count: number('count'),
    quality: text('quality'),
    durationSeconds: number('durationSeconds'),
    seed: number('seed'),
  };
}

/**
 * A finished creation of the account's own; undefined for anyone else's, a deleted or unfinished
 * one, or a malformed id (the web answers 404 and never says which).
 */
export async function getCreation(
  deps: Pick<CoreDeps, 'prisma' | 'config'>,
  input: { userId: string; generationId: string },
): Promise<CreationDetail | undefined> {
  if (!UUID.test(input.generationId)) return undefined;
  const row = await deps.prisma.generation.findFirst({
    where: { id: input.generationId, userId: input.userId, status: 'succeeded', deletedAt: null },
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
      templateId: true,
      shareSlug: true,
      isPromptShared: true,
      media: CARD_MEDIA,
    },
  });
  if (!row) return undefined;
  return {
    ...toCreationCard(row, deps.config.models),
    options: readCreationOptions(row.options),
    templateId: row.templateId,
    share: { slug: row.shareSlug, isPublished: row.publishedAt !== null, isPromptShared: row.isPromptShared },
  };
}
