/**
 * Ports for the services that turn prompts into pictures and videos. Implementations live in
 * `core/providers/<name>/`; routing picks one per kind and tier and fails over on transient errors.
 */

/** Aspect ratios every provider is asked in; each adapter maps them to what its API takes. */
export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** A file a provider produced (or a user sent as input). */
export type MediaFile = {
  bytes: Buffer;
  mime: string;
  width?: number;
  height?: number;
  /** The seed a provider made this picture with, when it says (Stable Diffusion and ComfyUI do), so it can be made again. */
  seed?: number;
};

/** What an image generation asks of a provider. */
export type ImageRequest = {
  prompt: string;
  model: string;
  aspectRatio: AspectRatio;
  /** How many images, 1..4. */
  count: number;
  quality: 'standard' | 'hd';
  /** A photo to edit; only sent to providers whose capabilities say `canEdit`. */
  inputImage?: MediaFile;
  /**
   * How far an edit may move away from `inputImage`, 0..1 (the Vary button: about 0.35 subtle,
   * 0.7 strong). Stable Diffusion's img2img `denoising_strength`; providers with no such knob
   * edit as they always do. Undefined: the provider's default.
   */
  strength?: number;
  seed?: number;
  /** What the picture should not show (`--no`); only sent to models whose capabilities say `negativePrompt`. */
  negativePrompt?: string;
  signal?: AbortSignal;
  /**
   * The job's stable id (the generation id): adapters of self-hosted servers key what they report
   * about a running job by it (ComfyUI's `readProgress`).
   */
  jobKey?: string;
  /**
   * A backend job an earlier attempt of this job started (what it passed to `onStarted`), after a
   * worker died: a queued backend follows that job instead of submitting it again. A provider
   * that cannot follow it (a synchronous API, an instance that lost it) runs the request anew.
   */
  resume?: string;
  /**
   * Called by a queued backend once it holds the work (ComfyUI: after `POST /prompt`), with a
   * handle to store for `resume` and `cancelImages`; again when it starts more. When it throws, the
   * backend job is cancelled and the call fails. Synchronous APIs never call it.
   */
  onStarted?: (handle: string) => Promise<void>;
  /**
   * Fires (with `signal`) when the worker lets the job go (shutdown, a lost lock) rather than
   * because the job ended: a queued backend then leaves its job running for the attempt that
   * resumes it, instead of cancelling it as on a deadline.
   */
  detach?: AbortSignal;
};

/** What a video generation asks of a provider. */
export type VideoRequest = {
  prompt: string;
  model: string;
  aspectRatio: AspectRatio;
  durationSeconds: number;
  inputImage?: MediaFile;
  signal?: AbortSignal;
};

/** What a provider can do, so routing never sends it a request it cannot serve. */
export type ProviderCapabilities = {
  models: readonly string[];
  canEdit: boolean;
  maxCount: number;
};

/** Makes images. Throws `ProviderError` on failure. */
export interface ImageProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  generateImages(request: ImageRequest): Promise<MediaFile[]>;
  /**
   * Stops a backend job by the handle its `onStarted` gave, from any process (a Cancel button, a
   * job that ended elsewhere): a queued prompt is taken off the queue, a running one interrupted.
   * Best effort; resolves whatever the backend answers. Absent where aborting the request's
   * `signal` is all there is to stop (synchronous APIs).
   */
  cancelImages?(handle: string): Promise<void>;
}

/**
 * Makes videos through a long-running operation. `start` returns an operation name that is
 * stored, so that after a worker restart `poll` picks the same operation up again.
 */
export interface VideoProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  startVideo(request: VideoRequest): Promise<{ operation: string }>;
  pollVideo(operation: string, signal?: AbortSignal): Promise<VideoPoll>;
}

/** One look at a video operation. */
/** `progress` is how far the operation is, 0..1, when the provider says (Veo does not; the demo does). */
export type VideoPoll = { state: 'running'; progress?: number } | { state: 'done'; file: MediaFile };

/** What an upscale asks of a provider. */
export type UpscaleRequest = {
  image: MediaFile;
  /** How many times larger, e.g. 2. */
  scale: number;
  /** The model whose settings apply (its upscaler, when it names one). */
  model?: string;
  signal?: AbortSignal;
};

/**
 * Makes a picture larger (the per-picture Upscale button). An optional capability of an
 * `ImageProvider` (the `sdapi` provider has it). Throws `ProviderError` on failure.
 */
export interface ImageUpscaler {
  upscaleImage(request: UpscaleRequest): Promise<MediaFile>;
}

/** How far a running image call is, as the provider reports it. */
export type ImageProgress = {
  /** 0..1. */
  fraction: number;
  /** Seconds the provider expects the call still to take, when it says. */
  etaSeconds?: number;
};

/** Which running `generateImages` call a {@link ImageProgressReader} is asked about: the `signal` and `jobKey` it was given. */
export type ProgressQuery = { signal: AbortSignal; jobKey: string };

/**
 * Reads the progress of a running `generateImages` call, so a job runner can poll it for the
 * status message. `undefined` when no such call runs in this process (it waits for a server, or
 * has ended) or the backend does not say: never a made-up number. An optional capability of an
 * `ImageProvider` (Stable Diffusion servers and ComfyUI have it).
 */
export interface ImageProgressReader {
  readProgress(query: ProgressQuery): Promise<ImageProgress | undefined>;
}

/** Whether `provider` can report the progress of its running calls. */
export function canReadProgress(provider: object): provider is ImageProgressReader {
  return typeof (provider as Partial<ImageProgressReader>).readProgress === 'function';
}
