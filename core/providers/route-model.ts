import { AppError } from '#core/errors/app-error';
import type { ImageProvider, VideoProvider } from '#core/providers/ports';

/** The providers of this deployment per kind, in fallback order (first = preferred). */
export type ProviderRegistry = { image: ImageProvider[]; video: VideoProvider[] };

export type RouteRequest = {
  kind: 'image' | 'video';
  requestedModel: string | undefined;
  needsEdit: boolean;
  count: number;
};
export type Route = { provider: string; model: string };

/**
 * Picks the provider and model that serve a request: the first provider (in configured order)
 * that offers the requested model, can edit when an input image is given, and makes enough
 * images at once. A model nobody offers is the user's mistake and is answered with the list.
 */
export function routeModel(registry: ProviderRegistry, request: RouteRequest): Route {
  const providers: (ImageProvider | VideoProvider)[] = registry[request.kind];
  const offered = [...new Set(providers.flatMap((provider) => provider.capabilities.models))];
  if (request.requestedModel && !offered.includes(request.requestedModel)) {
    throw new AppError('invalid_option', {
      vars: { option: '--model', value: request.requestedModel, allowed: offered.join(', ') || '—' },
    });
  }
  const chosen = planRoutes(registry, request)[0];
  if (!chosen) throw new AppError('provider_unavailable');
  return chosen;
}

/**
 * Every route that can serve the request, preferred first: the requested model on each
 * provider offering it, then (only when no model was requested) the other providers' default models.
 * Workers walk this list on transient failures.
 */
export function planRoutes(registry: ProviderRegistry, request: RouteRequest): Route[] {
  const providers: (ImageProvider | VideoProvider)[] = registry[request.kind];
  const able = providers.filter(
    (provider) =>
      (!request.needsEdit || provider.capabilities.canEdit) &&
      provider.capabilities.maxCount >= Math.min(request.count, 1),
  );
  if (request.requestedModel) {
    return able
      .filter((provider) => provider.capabilities.models.includes(request.requestedModel as string))
      .map((provider) => ({ provider: provider.name, model: request.requestedModel as string }));
  }
  return able.flatMap((provider) =>
    provider.capabilities.models[0] ? [{ provider: provider.name, model: provider.capabilities.models[0] }] : [],
  );
}
