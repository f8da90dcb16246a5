import type { ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { mapOpenAiError } from '#core/providers/map-provider-error';
import { loadSdkOnce } from '#core/providers/load-sdk';
import { readImageSize } from '#core/providers/google/read-image-size';
import { runEach } from '#core/providers/google/run-each';

const NAME = 'openrouter';
const MAX_COUNT = 4;
const DEFAULT_TIMEOUT_MS = 150_000;

/** Image models offered by default through OpenRouter; the first is the default route. */
export const OPENROUTER_IMAGE_MODELS: readonly string[] = ['google/gemini-2.5-flash-image'];

/** Options of {@link createOpenRouterImageProvider}. */
export type OpenRouterImageProviderOptions = {
  apiKey: string;
  /** API base including `/api/v1`, e.g. `https://openrouter.ai/api/v1`. */
  baseUrl: string;
  /** Sent as `HTTP-Referer`: OpenRouter attributes usage to this site (openrouter.ai/docs/app-attribution). */
  referer: string;
  /** Sent as `X-Title`: the app's name in OpenRouter's rankings. */
  title: string;
  /** Models to offer, default first; default {@link OPENROUTER_IMAGE_MODELS}. */
  models?: readonly string[];
  /** Per-request timeout in milliseconds; default 150 s. */
  timeoutMs?: number;
};

type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/**
 * OpenRouter's image generation request: the OpenAI chat completion plus `modalities` with
 * `image` and `image_config` (openrouter.ai/docs/features/multimodal/image-generation). The
 * OpenAI SDK's types know neither, hence this local type and the untyped `post`.
 */
type OpenRouterImageRequest = {
  model: string;
  messages: Array<{ role: 'user'; content: ContentPart[] }>;
  modalities: Array<'image' | 'text'>;
  image_config: { aspect_ratio: string };
  seed?: number;
};

/** OpenRouter's answer: a chat completion whose message carries `images` as data URLs. */
type OpenRouterImageCompletion = {
  choices?: Array<{
    finish_reason?: string | null;
    native_finish_reason?: string | null;
    message?: { content?: string | null; images?: Array<{ type?: string; image_url?: { url?: string } }> };
  }>;
};

/**
 * Images through OpenRouter's chat completions with `modalities: ['image', 'text']`, by default
 * Google's Gemini image model. One request makes one image, so `count` images are `count`
 * parallel requests (seeds `seed + index` when a seed is given). Editing sends the photo as an
 * `image_url` content part holding a data URL. The aspect ratio goes in `image_config`.
 *
 * Failures are `ProviderError`s (see `mapOpenAiError`). OpenRouter refuses in two ways, both
 * `refused`: a 403 moderation error, or a 200 whose choice ends with `finish_reason:
 * 'content_filter'` and no image. Any other answer without an image is `transient`.
 */
export function createOpenRouterImageProvider(options: OpenRouterImageProviderOptions): ImageProvider {
  const models = options.models ?? OPENROUTER_IMAGE_MODELS;
  const loadClient = loadSdkOnce(async () => {
    const sdk = await import('openai');
    const client = new sdk.default({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      defaultHeaders: { 'HTTP-Referer': options.referer, 'X-Title': options.title },
    });
    return { sdk, client };
  });

  async function generateOne(request: ImageRequest, index: number, signal: AbortSignal): Promise<MediaFile> {
    const content: ContentPart[] = [{ type: 'text', text: request.prompt }];
    if (request.inputImage) {
      content.push({
        type: 'image_url',
        image_url: { url: `data:${request.inputImage.mime};base64,${request.inputImage.bytes.toString('base64')}` },
      });
    }
    const body: OpenRouterImageRequest = {
      model: request.model,
      messages: [{ role: 'user', content }],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: request.aspectRatio },
      ...(request.seed === undefined ? {} : { seed: request.seed + index }),
    };
    const { sdk, client } = await loadClient();
    let completion: OpenRouterImageCompletion;
    try {
      completion = await client.post<OpenRouterImageCompletion>('/chat/completions', { body, signal });
    } catch (error) {
      throw mapOpenAiError(sdk, NAME, error, request.signal);
    }
    const file = imageFromCompletion(completion);
    // The seed of each picture of a set is the request's plus its place, so `--seed` with it makes that picture again.
    return request.seed === undefined ? file : { ...file, seed: request.seed + index };
  }

  return {
    name: NAME,
    capabilities: { models, canEdit: true, maxCount: MAX_COUNT },
    async generateImages(request: ImageRequest): Promise<MediaFile[]> {
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_COUNT) {
        throw new ProviderError(NAME, 'invalid', `${NAME}: makes 1 to ${MAX_COUNT} images, not ${request.count}`);
      }
      return runEach(request.count, request.signal, (index, signal) => generateOne(request, index, signal));
    },
  };
}

function imageFromCompletion(completion: OpenRouterImageCompletion): MediaFile {
  const choice = completion.choices?.[0];
  const url = choice?.message?.images?.find((image) => image.image_url?.url)?.image_url?.url;
  const decoded = url === undefined ? undefined : decodeDataUrl(url);
  if (decoded) return { ...decoded, ...readImageSize(decoded.bytes) };
  const finish = `${choice?.finish_reason ?? 'none'}${choice?.native_finish_reason ? `/${choice.native_finish_reason}` : ''}`;
  const text = choice?.message?.content ? `: ${choice.message.content}` : '';
  const message =
    url === undefined
      ? `${NAME}: no image (finish_reason ${finish})${text}`
      : `${NAME}: the image is not a base64 data URL`;
  const kind = choice?.finish_reason === 'content_filter' ? 'refused' : 'transient';
  throw new ProviderError(NAME, kind, message, {
    cause: { finishReason: choice?.finish_reason, nativeFinishReason: choice?.native_finish_reason },
  });
}

function decodeDataUrl(url: string): { bytes: Buffer; mime: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match?.[1] || match[2] === undefined) return undefined;
  return { mime: match[1], bytes: Buffer.from(match[2], 'base64') };
}
