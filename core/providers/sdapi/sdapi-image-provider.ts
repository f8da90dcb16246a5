import type { SdApiServer } from '#core/config/load-config';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { readImageSize } from '#core/providers/google/read-image-size';
import type {
  ImageProgress,
  ImageProgressReader,
  ImageProvider,
  ImageRequest,
  ImageUpscaler,
  MediaFile,
  ProgressQuery,
  UpscaleRequest,
} from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { callSdApi } from '#core/providers/sdapi/call-sdapi';
import { sizeForAspectRatio, sizeForShape } from '#core/providers/sdapi/sdapi-dimensions';
import { createSdApiServerPool, type HeldServer } from '#core/providers/sdapi/sdapi-server-pool';

const NAME = 'sdapi';
const MAX_COUNT = 4;
/** The model name routing knows these servers by when no models file names others. */
export const SDAPI_DEFAULT_MODEL = 'stable-diffusion';
/** A picture of 1024² pixels (SDXL-class) takes seconds to a minute; the job deadline is the outer bound. */
const DEFAULT_TIMEOUT_MS = 180_000;

/**
 * What one model runs with on these servers; every field optional, with the defaults of
 * {@link createSdApiImageProvider}. These are the per-model `settings` a models file can carry.
 */
export type SdApiModelSettings = {
  /** `override_settings.sd_model_checkpoint` (a title or name from `GET /sdapi/v1/sd-models`); unset: the loaded one. */
  checkpoint?: string | undefined;
  /** `upscaler_1` of upscales (a name from `GET /sdapi/v1/upscalers`). Default `R-ESRGAN 4x+`. */
  upscaler?: string | undefined;
  /** Side of the square picture whose area every aspect ratio keeps: 1024 (SDXL, default) or 512 (SD 1.5). */
  baseEdge?: number | undefined;
  /** Sampling steps of `standard` pictures (default 30); `hd` takes half as many again. */
  steps?: number | undefined;
  cfgScale?: number | undefined;
  /** `sampler_name`; unset: the server's default. */
  sampler?: string | undefined;
  negativePrompt?: string | undefined;
};

/** Options of {@link createSdApiImageProvider}. */
export type SdApiImageProviderOptions = {
  servers: readonly SdApiServer[];
  /** The deployment's limiter (read when a job starts): one job per server across processes. */
  limiter: () => RateLimiter;
  /** Model name → settings; the first is the default. Default: one model, `stable-diffusion`. */
  models?: Readonly<Record<string, SdApiModelSettings>>;
  /** Per-request time-out; default 180 s. */
  timeoutMs?: number;
  /** Time-out of a server's health check; default 3 s. */
  checkTimeoutMs?: number;
};

/** The provider of AUTOMATIC1111-compatible servers: pictures, edits, upscales and their progress. */
export type SdApiImageProvider = ImageProvider & ImageUpscaler & ImageProgressReader;

type GenerationResponse = { images?: unknown; info?: unknown };

/**
 * Images from AUTOMATIC1111-compatible servers (A1111 started with `--api`, Forge, SD.Next),
 * through their REST API (github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API):
 * `POST /sdapi/v1/txt2img` for prompts and `/img2img` with the photo in `init_images` for edits,
 * `count` pictures in one batch (`batch_size`); upscales through `/sdapi/v1/extra-single-image`.
 * Each model's checkpoint goes in `override_settings.sd_model_checkpoint`, and stays loaded
 * afterwards (`override_settings_restore_afterwards: false`), so consecutive jobs of one model
 * do not reload it. Sizes keep the model's area in the asked aspect ratio (see
 * `sizeForAspectRatio`); an edit keeps the photo's shape. The request's seed is sent (else -1,
 * random) and each picture comes back with the seed it was made with (`info.all_seeds`).
 *
 * Each call holds one server of the pool for its whole length (see `createSdApiServerPool`).
 * When the caller's signal fires or the call times out, the server is told to stop
 * (`POST /sdapi/v1/interrupt`) and is given back only once it is idle. A server that stops
 * answering is marked down and the call fails `transient`, so a retry goes to another one.
 */
export function createSdApiImageProvider(options: SdApiImageProviderOptions): SdApiImageProvider {
  if (options.servers.length === 0) throw new Error('createSdApiImageProvider needs at least one server');
  const models = options.models ?? { [SDAPI_DEFAULT_MODEL]: {} };
  const modelNames = Object.keys(models);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pool = createSdApiServerPool({
    provider: NAME,
    servers: options.servers,
    limiter: options.limiter,
    ...(options.checkTimeoutMs === undefined ? {} : { checkTimeoutMs: options.checkTimeoutMs }),
  });
  /** The server each running call of this process holds, by the call's signal. */
  const running = new Map<AbortSignal, SdApiServer>();

  const settingsOf = (model: string | undefined): SdApiModelSettings =>
    models[model ?? ''] ?? models[modelNames[0] ?? ''] ?? {};

  /** Runs `task` on a held server; on abort or time-out interrupts it and gives it back once idle. */
  /** Tells the server to stop, and gives it back once it is idle. */
  const interruptThenRelease = async (held: HeldServer) => {
    await callSdApi(NAME, held.server, '/sdapi/v1/interrupt', { method: 'POST', timeoutMs: 5_000 }).catch(
      () => undefined,
    );
    await held.releaseWhenIdle();
  };

  const onServer = async <T>(signal: AbortSignal | undefined, task: (held: HeldServer) => Promise<T>): Promise<T> => {
    const held = await pool.acquire(signal);
    try {
      const result = await task(held);
      await held.release(true).catch(() => undefined);
      return result;
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'network') held.markDown();
      if (error instanceof ProviderError && (signal?.aborted === true || error.reason === 'timeout')) {
        void interruptThenRelease(held);
      } else {
        await held.release(false).catch(() => undefined);
      }
      throw error;
    }
  };

  return {
    name: NAME,
    capabilities: { models: modelNames, canEdit: true, maxCount: MAX_COUNT },

    async generateImages(request: ImageRequest): Promise<MediaFile[]> {
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_COUNT) {
        throw new ProviderError(NAME, 'invalid', `${NAME}: makes 1 to ${MAX_COUNT} images, not ${request.count}`);
      }
      const settings = settingsOf(request.model);
      const baseEdge = settings.baseEdge ?? 1024;
      const inputSize = request.inputImage ? readImageSize(request.inputImage.bytes) : undefined;
      const { width, height } = inputSize
        ? sizeForShape(inputSize.width / inputSize.height, baseEdge)
        : sizeForAspectRatio(request.aspectRatio, baseEdge);
      const steps = settings.steps ?? 30;
      const body: Record<string, unknown> = {
        prompt: request.prompt,
        negative_prompt: [request.negativePrompt, settings.negativePrompt].filter(Boolean).join(', '),
        seed: request.seed ?? -1,
        steps: request.quality === 'hd' ? Math.round(steps * 1.5) : steps,
        cfg_scale: settings.cfgScale ?? 7,
        width,
        height,
        batch_size: request.count,
        n_iter: 1,
        do_not_save_grid: true,
        override_settings: settings.checkpoint ? { sd_model_checkpoint: settings.checkpoint } : {},
        override_settings_restore_afterwards: false,
        ...(settings.sampler ? { sampler_name: settings.sampler } : {}),
        ...(request.inputImage ? { init_images: [request.inputImage.bytes.toString('base64')] } : {}),
        ...(request.inputImage && request.strength !== undefined ? { denoising_strength: request.strength } : {}),
      };
      const path = request.inputImage ? '/sdapi/v1/img2img' : '/sdapi/v1/txt2img';
      const response = await onServer(request.signal, async (held) => {
        if (request.signal) running.set(request.signal, held.server);
        try {
          // No job id to resume by (a retry runs anew), but the server is named so a cancel from
          // another process reaches it (`cancelImages`).
          await request.onStarted?.(JSON.stringify({ server: held.server.baseUrl }));
          return await callSdApi<GenerationResponse>(NAME, held.server, path, {
            method: 'POST',
            body,
            signal: request.signal,
            timeoutMs,
          });
        } finally {
          if (request.signal) running.delete(request.signal);
        }
      });
      const images = Array.isArray(response.images)
        ? response.images.filter((image): image is string => typeof image === 'string').slice(0, request.count)
        : [];
      if (images.length === 0) throw new ProviderError(NAME, 'transient', `${NAME}: the answer held no image`);
      const seeds = readSeeds(response.info);
      return images.map((image, index) => {
        const bytes = Buffer.from(image, 'base64');
        const size = readImageSize(bytes);
        const seed = seeds[index];
        return {
          bytes,
          mime: mimeOf(bytes),
          width: size?.width ?? width,
          height: size?.height ?? height,
          ...(seed === undefined ? {} : { seed }),
        };
      });
    },

    async upscaleImage(request: UpscaleRequest): Promise<MediaFile> {
      if (!(request.scale > 1 && request.scale <= 8)) {
        throw new ProviderError(NAME, 'invalid', `${NAME}: upscales 1 to 8 times, not ${request.scale}`);
      }
      const settings = settingsOf(request.model);
      const response = await onServer(request.signal, (held) =>
        callSdApi<{ image?: unknown }>(NAME, held.server, '/sdapi/v1/extra-single-image', {
          method: 'POST',
          body: {
            image: request.image.bytes.toString('base64'),
            resize_mode: 0,
            upscaling_resize: request.scale,
            upscaler_1: settings.upscaler ?? 'R-ESRGAN 4x+',
          },
          signal: request.signal,
          timeoutMs,
        }),
      );
      if (typeof response.image !== 'string' || response.image === '') {
        throw new ProviderError(NAME, 'transient', `${NAME}: the upscale answer held no image`);
      }
      const bytes = Buffer.from(response.image, 'base64');
      const size = readImageSize(bytes);
      return { bytes, mime: mimeOf(bytes), ...(size ? { width: size.width, height: size.height } : {}) };
    },

    async cancelImages(handle: string): Promise<void> {
      const server = findServer(options.servers, handle);
      if (!server) return;
      // The server runs one job at a time, held by this job until it ends: the interrupt stops ours.
      await callSdApi(NAME, server, '/sdapi/v1/interrupt', { method: 'POST', timeoutMs: 5_000 }).catch(() => undefined);
    },

    async readProgress({ signal }: ProgressQuery): Promise<ImageProgress | undefined> {
      const server = running.get(signal);
      if (!server) return undefined;
      const progress = await pool.readProgress(server);
      if (!progress || typeof progress.progress !== 'number') return undefined;
      return {
        fraction: Math.min(1, Math.max(0, progress.progress)),
        ...(typeof progress.eta_relative === 'number' ? { etaSeconds: Math.max(0, progress.eta_relative) } : {}),
      };
    },
  };
}

/** The configured server a stored handle names; `undefined` for garbage or a server no longer configured. */
function findServer(servers: readonly SdApiServer[], handle: string): SdApiServer | undefined {
  let named: unknown;
  try {
    named = (JSON.parse(handle) as { server?: unknown }).server;
  } catch {
    return undefined;
  }
  return servers.find((server) => server.baseUrl === named);
}

/** The seed of each picture from `info`, a JSON string with `all_seeds` (or only `seed`: the first picture's). */
function readSeeds(info: unknown): number[] {
  if (typeof info !== 'string') return [];
  try {
    const parsed = JSON.parse(info) as { seed?: unknown; all_seeds?: unknown };
    if (Array.isArray(parsed.all_seeds)) return parsed.all_seeds.filter((seed) => typeof seed === 'number');
    return typeof parsed.seed === 'number' ? [parsed.seed] : [];
  } catch {
    return [];
  }
}

/** A1111 encodes its answers in its `samples_format` setting: PNG by default, JPEG or WebP when changed. */
function mimeOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.toString('latin1', 0, 4) === 'RIFF') return 'image/webp';
  return 'image/png';
}
