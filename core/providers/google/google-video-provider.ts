import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateVideosOperation, Video } from '@google/genai';
import type { AspectRatio, MediaFile, VideoPoll, VideoProvider, VideoRequest } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { abortedProviderError, mapGoogleError, mapGoogleOperationError } from '#core/providers/map-provider-error';
import { loadSdkOnce } from '#core/providers/load-sdk';

const NAME = 'google';

/** Veo models offered by default; the first is the default route. */
export const GOOGLE_VIDEO_MODELS: readonly string[] = ['veo-3.0-fast-generate-001'];

/** Per-request timeout of start and poll calls; the SDK sets none of its own. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** Whole-download limit; a video is a few megabytes. */
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 300_000;

/** Lengths each Veo generation accepts (ai.google.dev/gemini-api/docs/video#veo-model-parameters). */
const VEO3_DURATIONS = [4, 6, 8] as const;
const VEO2_DURATIONS = [5, 6, 8] as const;

/** Options of {@link createGoogleVideoProvider}. */
export type GoogleVideoProviderOptions = {
  apiKey: string;
  /** API origin; default Google's. Tests point it at the local fake. */
  baseUrl?: string | undefined;
  /** Models to offer, default first; default {@link GOOGLE_VIDEO_MODELS}. */
  models?: readonly string[];
  /** Per-request timeout of start and poll in milliseconds; default 60 s. */
  timeoutMs?: number;
  /** Limit for downloading a finished video in milliseconds; default 5 min. */
  downloadTimeoutMs?: number;
};

/**
 * Videos from Veo through the Gemini API's long-running `predictLongRunning`
 * (ai.google.dev/gemini-api/docs/video). `startVideo` returns the operation's name, which is
 * all `pollVideo` needs, so a restarted worker (a new provider instance) continues the same
 * operation instead of paying for a second one. Each poll is one bounded request; the caller
 * paces polls and owns the overall deadline.
 *
 * Veo makes 16:9 and 9:16 only: portrait ratios become 9:16, the rest 16:9. A length Veo does
 * not offer becomes the next longer one (5 s -> 6 s on Veo 3), so nobody gets less than asked.
 * A finished video is downloaded through `files.download` (the only way the SDK fetches it,
 * writing to a path) into a temporary directory that is removed afterwards.
 *
 * Failures are `ProviderError`s: a video withheld by the RAI filter is `refused`; an operation
 * `error` is `invalid` for bad-request codes, `auth` for permission codes, otherwise `transient`.
 */
export function createGoogleVideoProvider(options: GoogleVideoProviderOptions): VideoProvider {
  const models = options.models ?? GOOGLE_VIDEO_MODELS;
  const downloadTimeoutMs = options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const loadClient = loadSdkOnce(async () => {
    const sdk = await import('@google/genai');
    const ai = new sdk.GoogleGenAI({
      apiKey: options.apiKey,
      vertexai: false,
      // One request per call: the job's call loop owns retries and the deadline.
      httpOptions: {
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retryOptions: { attempts: 1 },
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      },
    });
    return { sdk, ai };
  });

  async function download(video: Video, signal: AbortSignal | undefined): Promise<MediaFile> {
    const { sdk, ai } = await loadClient();
    const directory = await mkdtemp(join(tmpdir(), 'imagine-veo-'));
    const deadline = AbortSignal.any([AbortSignal.timeout(downloadTimeoutMs), ...(signal ? [signal] : [])]);
    try {
      const downloadPath = join(directory, 'video.mp4');
      await rejectOnAbort(
        ai.files.download({ file: video, downloadPath, config: { abortSignal: deadline } }),
        deadline,
      );
      return { bytes: await readFile(downloadPath), mime: video.mimeType ?? 'video/mp4' };
    } catch (error) {
      throw deadline.aborted && !(error instanceof ProviderError)
        ? abortedProviderError(NAME, signal, error)
        : mapGoogleError(sdk, NAME, error, signal);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  return {
    name: NAME,
    capabilities: { models, canEdit: true, maxCount: 1 },

    async startVideo(request: VideoRequest): Promise<{ operation: string }> {
      const image = request.inputImage
        ? { imageBytes: request.inputImage.bytes.toString('base64'), mimeType: request.inputImage.mime }
        : undefined;
      const { sdk, ai } = await loadClient();
      try {
        const operation = await ai.models.generateVideos({
          model: request.model,
          source: { prompt: request.prompt, ...(image ? { image } : {}) },
          config: {
            aspectRatio: veoAspectRatio(request.aspectRatio),
            durationSeconds: veoDuration(request.model, request.durationSeconds),
            numberOfVideos: 1,
            ...(request.signal ? { abortSignal: request.signal } : {}),
          },
        });
        if (!operation.name)
          throw new ProviderError(NAME, 'transient', `${NAME}: generateVideos returned no operation name`);
        return { operation: operation.name };
      } catch (error) {
        throw mapGoogleError(sdk, NAME, error, request.signal);
      }
    },

    async pollVideo(operation: string, signal?: AbortSignal): Promise<VideoPoll> {
      const { sdk, ai } = await loadClient();
      let polled: GenerateVideosOperation;
      try {
        polled = await ai.operations.getVideosOperation({
          operation: operationNamed(sdk, operation),
          ...(signal ? { config: { abortSignal: signal } } : {}),
        });
      } catch (error) {
        throw mapGoogleError(sdk, NAME, error, signal);
      }
      if (polled.done !== true) return { state: 'running' };
      if (polled.error) throw mapGoogleOperationError(NAME, polled.error);
      const video = polled.response?.generatedVideos?.[0]?.video;
      if (!video) {
        const filtered = polled.response?.raiMediaFilteredCount ?? 0;
        const reasons = polled.response?.raiMediaFilteredReasons ?? [];
        if (filtered > 0 || reasons.length > 0) {
          throw new ProviderError(
            NAME,
            'refused',
            `${NAME}: video withheld by the RAI filter: ${reasons.join('; ') || `${filtered} filtered`}`,
            { cause: polled.response },
          );
        }
        throw new ProviderError(NAME, 'transient', `${NAME}: operation ${operation} finished without a video`, {
          cause: polled.response,
          reason: 'operation_failed',
        });
      }
      return { state: 'done', file: await download(video, signal) };
    },
  };
}

/**
 * The operation object `getVideosOperation` accepts, rebuilt from its stored name: the SDK reads
 * only `name` to build the request (`GET /v1beta/{name}`) and calls the object's own
 * `_fromAPIResponse` to parse the answer, so an empty `GenerateVideosOperation` with the name
 * set is all it needs.
 */
function operationNamed(sdk: typeof import('@google/genai'), name: string): GenerateVideosOperation {
  const operation = new sdk.GenerateVideosOperation();
  operation.name = name;
  return operation;
}

function veoAspectRatio(aspectRatio: AspectRatio): '16:9' | '9:16' {
  return aspectRatio === '9:16' || aspectRatio === '3:4' || aspectRatio === '2:3' ? '9:16' : '16:9';
}

function veoDuration(model: string, seconds: number): number {
  const allowed: readonly number[] = model.startsWith('veo-2') ? VEO2_DURATIONS : VEO3_DURATIONS;
  return allowed.find((length) => length >= seconds) ?? allowed[allowed.length - 1] ?? seconds;
}

/**
 * `files.download` pipes the response body into a file and waits for the file to finish; if the
 * body fails midway (a timeout), nothing ends the file and the promise never settles. Racing it
 * with the deadline guarantees the call ends; the losing download is left to fail quietly.
 */
function rejectOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
