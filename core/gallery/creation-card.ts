import { modelDisplayName } from '#core/models/model-display-name';
import type { Prisma } from '#core/infra/db/create-database';
import type { GenerationKind } from '#core/infra/db/generated/enums';

/** Where a creation was asked for (the generation's `delivery.platform`). */
export const CREATION_SOURCES = ['telegram', 'discord', 'web'] as const;
export type CreationSource = (typeof CREATION_SOURCES)[number];

/** One stored picture or video of a creation, with its thumbnail when there is one. */
export type CreationOutput = {
  id: string;
  mime: string;
  width: number | null;
  height: number | null;
  thumbnailId: string | undefined;
};

/** A creation as the gallery shows it. */
export type CreationCard = {
  id: string;
  kind: GenerationKind;
  /** The words the user typed (a template's subject, or the prompt); null once retention or deletion removed them. */
  prompt: string | null;
  /** The model's display name from the models file (its id when the file no longer has it). */
  model: string | null;
  cost: number;
  at: Date;
  source: CreationSource | undefined;
  outputs: CreationOutput[];
  /** The files are gone (the retention period passed): the gallery shows a placeholder. */
  isExpired: boolean;
  isPublished: boolean;
};

type Row = {
  id: string;
  kind: GenerationKind;
  prompt: string | null;
  options: unknown;
  model: string | null;
  cost: number;
  createdAt: Date;
  delivery: unknown;
  publishedAt: Date | null;
  media: {
    id: string;
    role: string;
    mime: string;
    width: number | null;
    height: number | null;
    thumbnailOfId: string | null;
  }[];
};

/** The media a card needs: results and their thumbnails, oldest first. */
export const CARD_MEDIA = {
  where: { role: { in: ['output', 'thumbnail'] } },
  orderBy: { createdAt: 'asc' },
  select: { id: true, role: true, mime: true, width: true, height: true, thumbnailOfId: true },
} satisfies Prisma.Generation$mediaArgs;

/** Builds a card from a generation row with {@link CARD_MEDIA}; `models` names the model (the models file). */
export function toCreationCard(
  row: Row,
  models: readonly { id: string; kind: GenerationKind; name: string }[],
): CreationCard {
  const thumbnails = new Map(
    row.media.filter((asset) => asset.role === 'thumbnail').map((asset) => [asset.thumbnailOfId, asset.id]),
  );
  const outputs = row.media
    .filter((asset) => asset.role === 'output')
    .map((asset) => ({
      id: asset.id,
      mime: asset.mime,
      width: asset.width,
      height: asset.height,
      thumbnailId: thumbnails.get(asset.id),
    }));
  const options = (row.options ?? {}) as { subject?: unknown };
  const platform = (row.delivery ?? {}) as { platform?: unknown };
  return {
    id: row.id,
    kind: row.kind,
    prompt: typeof options.subject === 'string' ? options.subject : row.prompt,
    model: modelDisplayName(models, row.kind, row.model),
    cost: row.cost,
    at: row.createdAt,
    source: CREATION_SOURCES.find((source) => source === platform.platform),
    outputs,
    isExpired: outputs.length === 0,
    isPublished: row.publishedAt !== null,
  };
}
