import type { CoreDeps } from '#core/core-deps';
import type { Button, MediaItem, Reply } from '#core/chat/reply';
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

/** The result message of a finished generation: the media, a caption and the follow-up buttons. */
export function buildResultReply(
  deps: Pick<CoreDeps, 'config' | 'clock' | 'media'>,
  input: { generationId: string; kind: 'image' | 'video'; prompt: string; provider: string | null; assets: Asset[] },
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
    caption: { key: input.provider === 'demo' ? 'job.succeeded_demo' : 'job.succeeded', vars: { prompt } },
    buttons,
  };
}
