import type { AppConfig } from '#core/config/load-config';
import { AppError } from '#core/errors/app-error';
import type { ModelDefinition } from '#core/models/model-definition';
import type { AspectRatio, ImageProvider, ImageUpscaler, VideoProvider } from '#core/providers/ports';

/** The providers of this deployment per kind, in fallback order (first = preferred). */
export type ProviderRegistry = { image: ImageProvider[]; video: VideoProvider[] };

/** What a request asks of a model, for choosing one and refusing what it cannot do. */
export type ModelRequest = {
  kind: 'image' | 'video';
  /** A model named by the user (`--model`, a /settings default, a template); undefined: the default order. */
  modelId: string | undefined;
  hasInputImage: boolean;
  count: number;
  quality: 'standard' | 'hd';
  aspectRatio: AspectRatio;
  /** Undefined: the model's default length, so no model is refused for it. */
  durationSeconds: number | undefined;
  /** Whether the request says what the picture should not show (`--no`). */
  hasNegativePrompt?: boolean;
  /** `upscale`: enlarge the input picture (the Upscale button), which only models that upscale do. */
  operation?: 'upscale';
  /** Whether the request names a seed (`--seed`). */
  hasSeed?: boolean;
};

/** One way to serve a request: our model id, its provider and the provider's name of the model. */
export type Route = { provider: string; model: string; modelId: string };

/** A video's length when none is asked for, as before the models file. */
const DEFAULT_VIDEO_SECONDS = 5;

type Models = { config: Pick<AppConfig, 'models'>; providers: ProviderRegistry };

/** Whether this deployment has the provider the model needs (a model of an unconfigured provider is not offered). */
export function isOffered(deps: Models, model: ModelDefinition): boolean {
  const providers: readonly { name: string }[] = deps.providers[model.kind];
  return providers.some((provider) => provider.name === model.provider);
}

/** The models of `kind` users can pick, in the file's order. */
export function offeredModels(deps: Models, kind: 'image' | 'video'): ModelDefinition[] {
  return deps.config.models.filter((model) => model.kind === kind && isOffered(deps, model));
}

/** The model of `kind` with our id `id`, offered or not. */
export function findModel(
  deps: Pick<Models, 'config'>,
  kind: 'image' | 'video',
  id: string,
): ModelDefinition | undefined {
  return deps.config.models.find((model) => model.kind === kind && model.id === id);
}

/** The offered models of `kind` with a `fallbackOrder`, first first: where a request naming no model goes. */
export function defaultModels(deps: Models, kind: 'image' | 'video'): ModelDefinition[] {
  return offeredModels(deps, kind)
    .filter((model) => model.fallbackOrder !== undefined)
    .sort((a, b) => (a.fallbackOrder ?? 0) - (b.fallbackOrder ?? 0));
}

/**
 * Picks the model that serves a request and every route it may take, preferred first. A named
 * model must exist, be offered and support the request (else a refusal naming why); its routes
 * are itself, then only the `fallbacks` the file gives it. With no model named, the offered
 * models of the default order that support the request, in that order. The file makes every
 * route of one request cost the same, so a failover never changes the price quoted.
 */
export function chooseModel(deps: Models, request: ModelRequest): { model: ModelDefinition; routes: Route[] } {
  if (request.modelId !== undefined) {
    const model = findModel(deps, request.kind, request.modelId);
    if (!model) throw new AppError('unknown_model', { vars: { model: request.modelId } });
    if (!isOffered(deps, model)) throw new AppError('model_not_offered', { vars: { model: model.id } });
    const refusal = refusalOf(deps, model, request);
    if (refusal) throw refusal;
    const fallbacks = model.fallbacks
      .map((id) => findModel(deps, request.kind, id))
      .filter(
        (fallback): fallback is ModelDefinition =>
          fallback !== undefined && isOffered(deps, fallback) && !refusalOf(deps, fallback, request),
      );
    return { model, routes: [model, ...fallbacks].map(routeOf) };
  }
  const chain = defaultModels(deps, request.kind);
  const able = chain.filter((model) => !refusalOf(deps, model, request));
  const first = able[0];
  if (!first) throw (chain[0] && refusalOf(deps, chain[0], request)) ?? new AppError('provider_unavailable');
  return { model: first, routes: able.map(routeOf) };
}

/**
 * Whether `model` can enlarge pictures here: the models file says it upscales and its provider
 * has the upscale call (an `ImageUpscaler`, such as the `sdapi` provider).
 */
export function canUpscale(deps: Models, model: ModelDefinition): boolean {
  if (model.kind !== 'image' || !model.capabilities.upscale) return false;
  const provider = deps.providers.image.find((candidate) => candidate.name === model.provider);
  return typeof (provider as Partial<ImageUpscaler> | undefined)?.upscaleImage === 'function';
}

/** Why `model` cannot serve `request`, as the refusal to answer; undefined when it can. */
function refusalOf(deps: Models, model: ModelDefinition, request: ModelRequest): AppError | undefined {
  const { capabilities } = model;
  const vars = { model: model.id };
  if (request.operation === 'upscale') return canUpscale(deps, model) ? undefined : new AppError('upscale_unavailable');
  if (request.hasInputImage && !capabilities.edit) return new AppError('model_cannot_edit', { vars });
  if (!request.hasInputImage && !capabilities.textToImage) return new AppError('model_needs_image', { vars });
  if (request.kind === 'image' && request.count > capabilities.imagesPerRequest)
    return new AppError('model_too_many_images', { vars: { ...vars, max: capabilities.imagesPerRequest } });
  if (!capabilities.aspectRatios.includes(request.aspectRatio))
    return new AppError('model_aspect_unsupported', {
      vars: { ...vars, aspect: request.aspectRatio, allowed: capabilities.aspectRatios.join(', ') },
    });
  if (
    request.kind === 'video' &&
    request.durationSeconds !== undefined &&
    !capabilities.durations?.includes(request.durationSeconds)
  )
    return new AppError('model_duration_unsupported', {
      vars: { ...vars, seconds: request.durationSeconds, allowed: (capabilities.durations ?? []).join(', ') },
    });
  if (request.quality === 'hd' && model.cost.hdMultiplier === null) return new AppError('model_no_hd', { vars });
  if (request.hasNegativePrompt && !capabilities.negativePrompt)
    return new AppError('model_no_negative_prompt', { vars });
  if (request.hasSeed && !capabilities.seed) return new AppError('model_no_seed', { vars });
  return undefined;
}

/** How long a video is when the user asked for no length: 5 s where the model makes it, else its next longer (or longest) length. */
export function defaultDuration(model: ModelDefinition): number {
  const durations = [...(model.capabilities.durations ?? [DEFAULT_VIDEO_SECONDS])].sort((a, b) => a - b);
  return (
    durations.find((seconds) => seconds >= DEFAULT_VIDEO_SECONDS) ??
    durations[durations.length - 1] ??
    DEFAULT_VIDEO_SECONDS
  );
}

function routeOf(model: ModelDefinition): Route {
  return { provider: model.provider, model: model.providerModel, modelId: model.id };
}
