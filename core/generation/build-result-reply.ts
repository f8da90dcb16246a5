import type { CoreDeps } from '#core/core-deps';
import type { Button, MediaItem, Reply, Text } from '#core/chat/reply';
import { findModel } from '#core/providers/route-model';
import { signMediaUrl } from '#core/infra/media/sign-media-url';
import { pictureButtonRows, pictureFollowUps } from '#core/generation/follow-up-buttons';

/** How long links to results stay valid. */
export const MEDIA_LINK_TTL_MS = 7 * 24 * 3600 * 1000;

type Asset = {
  id: string;
  storageKey: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  /** The seed the provider made it with, when it said. */
  seed: bigint | null;
};

/** Builds the signed link to one stored asset. */
export function mediaUrlFor(deps: Pick<CoreDeps, 'config' | 'clock'>, assetId: string): string {
  return signMediaUrl({
    baseUrl: deps.config.publicUrl,
    assetId,
    secret: deps.config.sessionSecret,
    expiresAt: new Date(deps.clock.now().getTime() + MEDIA_LINK_TTL_MS),
  });
}

/** "Done: prompt", naming the model that made it (by its name in the models file) and the demo as such. */
function captionOf(
  deps: Pick<CoreDeps, 'config'>,
  kind: 'image' | 'video',
  provider: string | null,
  modelId: string | null,
  prompt: string,
): Text {
  if (provider === 'demo') return { key: 'job.succeeded_demo', vars: { prompt } };
  if (!modelId) return { key: 'job.succeeded', vars: { prompt } };
  return { key: 'job.succeeded_model', vars: { prompt, model: findModel(deps, kind, modelId)?.name ?? modelId } };
}

/**
 * "Seed 12345" when every picture says the same seed (one picture, or a provider that varies a
 * set by position), "Seeds 1, 2, 3, 4" in picture order when they differ; nothing when a
 * picture's seed is unknown (a model without seeds). `--seed` with it makes the picture again.
 */
function seedLine(seeds: (bigint | null)[]): Text[] {
  if (seeds.length === 0 || seeds.some((seed) => seed === null)) return [];
  const shown = seeds.map(String);
  if (new Set(shown).size === 1) return [{ key: 'job.seed', vars: { seed: shown[0] ?? '' } }];
  return [{ key: 'job.seeds', vars: { seeds: shown.join(', ') } }];
}

/**
 * The result message of a finished generation: the media, a caption and the follow-up buttons.
 * Pictures get their own Upscale and Vary buttons (see `pictureButtonRows`), shown only where a
 * model here can do it; the job gets Reroll, Remix and "as file". An upscaled picture is not
 * upscaled, rerolled or remixed again (that would only repeat the upscale); it can still be varied.
 */
export function buildResultReply(
  deps: Pick<CoreDeps, 'config' | 'clock' | 'media' | 'providers'>,
  input: {
    generationId: string;
    kind: 'image' | 'video';
    prompt: string;
    provider: string | null;
    model: string | null;
    assets: Asset[];
    /** The follow-up this generation was (`options.operation`), if any. */
    operation?: string | undefined;
    /** Pictures asked for that did not arrive, and the credits that went back for them. */
    shortfall?: { asked: number; returned: number } | undefined;
  },
): Reply {
  const items: MediaItem[] = input.assets.map((asset) => ({
    assetId: asset.id,
    mime: asset.mime,
    sizeBytes: asset.bytes,
    width: asset.width ?? undefined,
    height: asset.height ?? undefined,
    url: mediaUrlFor(deps, asset.id),
    load: async () => {
      const bytes = await deps.media.get(asset.storageKey);
      if (!bytes) throw new Error(`media ${asset.id} is missing from the store`);
      return bytes;
    },
  }));
  const arg = input.generationId;
  const isUpscaled = input.operation === 'upscale';
  const remix: Button = { label: { key: 'job.remix_button' }, action: { name: 'remix_job', arg } };
  const reroll: Button = { label: { key: 'job.reroll_button' }, action: { name: 'reroll', arg } };
  const buttons: Button[][] =
    input.kind === 'image'
      ? [
          ...pictureButtonRows(arg, input.assets.length, {
            ...pictureFollowUps(deps),
            ...(isUpscaled ? { upscale: false } : {}),
          }),
          [
            ...(isUpscaled ? [] : [reroll, remix]),
            { label: { key: 'job.as_file_button' }, action: { name: 'as_file', arg } },
          ],
        ]
      : [[reroll, remix]];
  const prompt = input.prompt.length > 200 ? `${input.prompt.slice(0, 199)}…` : input.prompt;
  return {
    type: 'media',
    generationId: input.generationId,
    kind: input.kind,
    items,
    caption: [
      captionOf(deps, input.kind, input.provider, input.model, prompt),
      ...seedLine(input.assets.map((asset) => asset.seed)),
      ...(input.shortfall
        ? [
            {
              key: 'job.partial_delivery',
              vars: { arrived: input.assets.length, asked: input.shortfall.asked, returned: input.shortfall.returned },
            } as Text,
          ]
        : []),
    ],
    buttons,
  };
}
