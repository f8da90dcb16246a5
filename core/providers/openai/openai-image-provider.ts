import type OpenAI from 'openai';
import type { AspectRatio, ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { mapOpenAiError } from '#core/providers/map-provider-error';
import { loadSdkOnce } from '#core/providers/load-sdk';

const NAME = 'openai';
const MODEL = 'gpt-image-1';
const MAX_COUNT = 4;
/** gpt-image-1 at high quality can take well over a minute; the job deadline is the outer bound. */
const DEFAULT_TIMEOUT_MS = 150_000;

/** The only sizes gpt-image-1 makes besides `auto` (platform.openai.com/docs/api-reference/images/create#images-create-size). */
type GptImageSize = '1024x1024' | '1024x1536' | '1536x1024';

/** Options of {@link createOpenAiImageProvider}. */
export type OpenAiImageProviderOptions = {
  apiKey: string;
  /** API base including `/v1`; default OpenAI's. Tests point it at the local fake. */
  baseUrl?: string | undefined;
  /** Per-request timeout in milliseconds; default 150 s. */
  timeoutMs?: number;
};

/**
 * Images from OpenAI's `gpt-image-1` through the Images API
 * (platform.openai.com/docs/guides/image-generation): `images.generate` for prompts,
 * `images.edit` with the photo uploaded as `image` for edits; `count` images in one request
 * (`n`). The model makes three sizes, so square ratios get 1024x1024, portrait ones 1024x1536
 * and landscape ones 1536x1024; `hd` is quality `high`, otherwise `medium`. gpt-image-1 always
 * answers base64 (`b64_json`) and rejects `response_format`, so none is sent. The SDK does not
 * retry (`maxRetries: 0`): routing decides what happens after a failure.
 *
 * Failures are `ProviderError`s (see `mapOpenAiError`); the safety system's 400
 * `moderation_blocked` is `refused`.
 */
export function createOpenAiImageProvider(options: OpenAiImageProviderOptions): ImageProvider {
  const loadClient = loadSdkOnce(async () => {
    const sdk = await import('openai');
    const client = new sdk.default({
      apiKey: options.apiKey,
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.baseUrl === undefined ? {} : { baseURL: options.baseUrl }),
    });
    return { sdk, client };
  });

  return {
    name: NAME,
    capabilities: { models: [MODEL], canEdit: true, maxCount: MAX_COUNT },
    async generateImages(request: ImageRequest): Promise<MediaFile[]> {
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_COUNT) {
        throw new ProviderError(NAME, 'invalid', `${NAME}: makes 1 to ${MAX_COUNT} images, not ${request.count}`);
      }
      const size = sizeFor(request.aspectRatio);
      const common = {
        model: MODEL,
        prompt: request.prompt,
        n: request.count,
        size,
        quality: request.quality === 'hd' ? 'high' : 'medium',
      } as const;
      const requestOptions = request.signal ? { signal: request.signal } : {};
      const { sdk, client } = await loadClient();
      let response: OpenAI.ImagesResponse;
      try {
        response = request.inputImage
          ? await client.images.edit(
              {
                ...common,
                image: await sdk.toFile(request.inputImage.bytes, inputFileName(request.inputImage.mime), {
                  type: request.inputImage.mime,
                }),
              },
              requestOptions,
            )
          : await client.images.generate(common, requestOptions);
      } catch (error) {
        throw mapOpenAiError(sdk, NAME, error, request.signal);
      }
      const [width, height] = size.split('x').map(Number);
      const images = (response.data ?? []).flatMap((image) =>
        image.b64_json ? [Buffer.from(image.b64_json, 'base64')] : [],
      );
      if (images.length === 0) throw new ProviderError(NAME, 'transient', `${NAME}: the answer held no image`);
      return images.map((bytes) => ({ bytes, mime: `image/${response.output_format ?? 'png'}`, width, height }));
    },
  };
}

function sizeFor(aspectRatio: AspectRatio): GptImageSize {
  if (aspectRatio === '1:1') return '1024x1024';
  return aspectRatio === '9:16' || aspectRatio === '3:4' || aspectRatio === '2:3' ? '1024x1536' : '1536x1024';
}

function inputFileName(mime: string): string {
  const extension = mime === 'image/jpeg' ? 'jpg' : mime === 'image/webp' ? 'webp' : 'png';
  return `input.${extension}`;
}
