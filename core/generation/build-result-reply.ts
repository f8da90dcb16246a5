import type { CoreDeps } from '#core/core-deps';
import type { Button, MediaItem, Reply, Text } from '#core/chat/reply';
import { findModel } from '#core/providers/route-model';
import { signMediaUrl } from '#core/infra/media/sign-media-url';

/** How long links to results stay valid. */
export const MEDIA_LINK_TTL_MS = 7 * 24 * 3600 * 1000;

type Asset = {
  id: string;
  storageKey: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
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

/** The result message of a finished generation: the media, a caption and the follow-up buttons. */
export function buildResultReply(
  deps: Pick<CoreDeps, 'config' | 'clock' | 'media'>,
  input: {
    generationId: string;
    kind: 'image' | 'video';
    prompt: string;
    provider: string | null;
    model: string | null;
    assets: Asset[];
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
  const buttons: Button[][] =
    input.kind === 'image'
      ? [
          [
            { label: { key: 'job.reroll_button' }, action: { name: 'reroll', arg } },
            { label: { key: 'job.vary_button' }, action: { name: 'vary', arg } },
            { label: { key: 'job.upscale_button' }, action: { name: 'upscale', arg } },
          ],
          [{ label: { key: 'job.as_file_button' }, action: { name: 'as_file', arg } }],
        ]
      : [[{ label: { key: 'job.reroll_button' }, action: { name: 'reroll', arg } }]];
  const prompt = input.prompt.length > 200 ? `${input.prompt.slice(0, 199)}…` : input.prompt;
  return {
    type: 'media',
    generationId: input.generationId,
    kind: input.kind,
    items,
    caption: input.shortfall
      ? [
          captionOf(deps, input.kind, input.provider, input.model, prompt),
          {
            key: 'job.partial_delivery',
            vars: { arrived: input.assets.length, asked: input.shortfall.asked, returned: input.shortfall.returned },
          },
        ]
      : captionOf(deps, input.kind, input.provider, input.model, prompt),
    buttons,
  };
}
