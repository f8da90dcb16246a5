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
  /** The seed that made this image, when the provider reports one (ComfyUI), so it can be made again. */
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
  seed?: number;
  signal?: AbortSignal;
  /**
   * The job's stable id (the generation id): adapters of self-hosted servers key what they report
   * about a running job by it (ComfyUI's `readProgress`).
   */
  jobKey?: string;
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
export type VideoPoll = { state: 'running'; progress?: number } | { state: 'done'; file: MediaFile };
