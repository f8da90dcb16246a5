import type { CoreDeps } from '#core/core-deps';
import { modelDisplayName } from '#core/models/model-display-name';
import { readCreationOptions, type CreationOptions } from '#core/gallery/get-creation';
import type { GenerationKind } from '#core/infra/db/generated/enums';
import { isShareSlugShape } from '#core/sharing/share-slug';

/** A published creation as its public page shows it. */
export type SharedCreation = {
  generationId: string;
  ownerId: string;
  slug: string;
  kind: GenerationKind;
  model: string | null;
  at: Date;
  outputs: { id: string; mime: string; width: number | null; height: number | null }[];
  /** Present only when the owner chose to show the prompt and options. */
  recipe: { prompt: string; options: CreationOptions } | undefined;
};

/**
 * The creation published under `slug`, or undefined (the page is a 404) when there is none, it
 * is unpublished or deleted, its files are gone (retention), or its owner is suspended or
 * erased: taking a page down needs no other step than changing one of those.
 */
export async function findSharedCreation(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'config'>,
  slug: string,
): Promise<SharedCreation | undefined> {
  if (!isShareSlugShape(slug)) return undefined;
  const row = await deps.prisma.generation.findFirst({
    where: { shareSlug: slug, publishedAt: { not: null }, deletedAt: null, status: 'succeeded' },
    select: {
      id: true,
      userId: true,
      kind: true,
      model: true,
      prompt: true,
      options: true,
      createdAt: true,
      isPromptShared: true,
      user: { select: { status: true, suspendedUntil: true } },
      media: {
        where: { role: 'output' },
        orderBy: { createdAt: 'asc' },
        select: { id: true, mime: true, width: true, height: true },
      },
    },
  });
  if (!row || row.media.length === 0) return undefined;
  const { status, suspendedUntil } = row.user;
  if (status === 'deleted') return undefined;
  if (status === 'suspended' && (suspendedUntil === null || suspendedUntil > deps.clock.now())) return undefined;
  const stored = (row.options ?? {}) as { subject?: unknown };
  const prompt = typeof stored.subject === 'string' ? stored.subject : row.prompt;
  return {
    generationId: row.id,
    ownerId: row.userId,
    slug,
    kind: row.kind,
    model: modelDisplayName(deps.config.models, row.kind, row.model),
    at: row.createdAt,
    outputs: row.media,
    recipe: row.isPromptShared && prompt ? { prompt, options: readCreationOptions(row.options) } : undefined,
  };
}

/** What a remix starts from: the shared prompt, the kind, and the options it was made with. */
export type RemixableCreation = { prompt: string; options: CreationOptions & { kind: GenerationKind } };

/**
 * The prompt and options of the creation published under `slug`, only while it is published
 * with its prompt shown (the same rules as the public page); undefined otherwise. What `/create?remix=`
 * and the Telegram `/start r_<slug>` start from.
 */
export async function findRemixableCreation(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'config'>,
  slug: string,
): Promise<RemixableCreation | undefined> {
  const shared = await findSharedCreation(deps, slug);
  if (!shared?.recipe) return undefined;
  return { prompt: shared.recipe.prompt, options: { ...shared.recipe.options, kind: shared.kind } };
}
