import type { GenerateContentConfig, GenerateContentResponse, Part } from '@google/genai';
import type { ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { mapGoogleError } from '#core/providers/map-provider-error';
import { loadSdkOnce } from '#core/providers/load-sdk';
import { readImageSize } from '#core/providers/google/read-image-size';
import { runEach } from '#core/providers/google/run-each';

const NAME = 'google';
const MAX_COUNT = 4;

/** Gemini image models offered by default; the first is the default route. */
export const GOOGLE_IMAGE_MODELS: readonly string[] = ['gemini-2.5-flash-image'];

/** Per-request timeout: the SDK sets none of its own, so without it a hung call never ends. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A prompt blocked before generation (`promptFeedback.blockReason`) or a candidate stopped for
 * one of these reasons is the safety or policy system refusing
 * (ai.google.dev/api/generate-content#FinishReason).
 */
const REFUSAL_FINISH_REASONS: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** Options of {@link createGoogleImageProvider}. */
export type GoogleImageProviderOptions = {
  apiKey: string;
  /** API origin; default Google's. Tests point it at the local fake. */
  baseUrl?: string | undefined;
  /** Models to offer, default first; default {@link GOOGLE_IMAGE_MODELS}. */
  models?: readonly string[];
  /** Per-request timeout in milliseconds; default 120 s. */
  timeoutMs?: number;
};

/**
 * Images from Gemini image models through the Gemini API's `generateContent`
 * (ai.google.dev/gemini-api/docs/image-generation). One request makes one image, so `count`
 * images are `count` parallel requests, each with its own seed (`seed + index`) when a seed is
 * given, so they differ. Editing sends the photo as an `inlineData` part next to the prompt.
 * Every aspect ratio of the port is one Gemini supports (`imageConfig.aspectRatio`); `hd` asks
 * for 2K only on Gemini 3 image models, the first to offer `imageSize`.
 *
 * Failures are `ProviderError`s (see `mapGoogleError`); a blocked prompt or an image stopped by
 * the safety filter is `refused`; a reply with no image for another reason is `transient`.
 */
export function createGoogleImageProvider(options: GoogleImageProviderOptions): ImageProvider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const models = options.models ?? GOOGLE_IMAGE_MODELS;
  const loadClient = loadSdkOnce(async () => {
    const sdk = await import('@google/genai');
    const ai = new sdk.GoogleGenAI({
      apiKey: options.apiKey,
      vertexai: false,
      // One request per call (`attempts: 1`): the job's call loop retries within its deadline,
      // so the SDK's own retries would multiply ours.
      httpOptions: {
        timeout: timeoutMs,
        retryOptions: { attempts: 1 },
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      },
    });
    return { sdk, ai };
  });

  async function generateOne(request: ImageRequest, index: number, signal: AbortSignal): Promise<MediaFile> {
    const { sdk, ai } = await loadClient();
    const parts: Part[] = [{ text: request.prompt }];
    if (request.inputImage) {
      parts.push({
        inlineData: { mimeType: request.inputImage.mime, data: request.inputImage.bytes.toString('base64') },
      });
    }
    // The SDK's ApiError drops the answer's headers; this fetch keeps a failed answer's, for `Retry-After`.
    let failedAnswer: { headers: Headers } | undefined;
    const keepFailedHeaders = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
      const answer = await fetch(input, init);
      if (!answer.ok) failedAnswer = { headers: answer.headers };
      return answer;
    };
    const config: GenerateContentConfig = {
      httpOptions: { fetch: keepFailedHeaders },
      responseModalities: [sdk.Modality.TEXT, sdk.Modality.IMAGE],
      imageConfig: {
        aspectRatio: request.aspectRatio,
        ...(request.quality === 'hd' && request.model.startsWith('gemini-3') ? { imageSize: '2K' } : {}),
      },
      ...(request.seed === undefined ? {} : { seed: request.seed + index }),
      abortSignal: signal,
    };
    let response: GenerateContentResponse;
    try {
      response = await ai.models.generateContent({ model: request.model, contents: [{ role: 'user', parts }], config });
    } catch (error) {
      throw mapGoogleError(sdk, NAME, error, request.signal, failedAnswer);
    }
    const file = imageFromResponse(response);
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

function imageFromResponse(response: GenerateContentResponse): MediaFile {
  const blockReason = response.promptFeedback?.blockReason;
  if (blockReason !== undefined) {
    const detail = response.promptFeedback?.blockReasonMessage;
    throw new ProviderError(NAME, 'refused', `${NAME}: prompt blocked (${blockReason})${detail ? `: ${detail}` : ''}`, {
      cause: response.promptFeedback,
    });
  }
  const candidate = response.candidates?.[0];
  const image = candidate?.content?.parts?.find((part) => part.inlineData?.data)?.inlineData;
  if (image?.data) {
    const bytes = Buffer.from(image.data, 'base64');
    return { bytes, mime: image.mimeType ?? 'image/png', ...readImageSize(bytes) };
  }
  const finishReason = candidate?.finishReason ?? 'none';
  const text = candidate?.content?.parts?.flatMap((part) => (part.text ? [part.text] : [])).join(' ') ?? '';
  const message = `${NAME}: no image (finishReason ${finishReason})${text ? `: ${text}` : ''}`;
  const kind = REFUSAL_FINISH_REASONS.has(finishReason) ? 'refused' : 'transient';
  throw new ProviderError(NAME, kind, message, { cause: { finishReason, finishMessage: candidate?.finishMessage } });
}
