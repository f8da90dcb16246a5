import { ASPECT_RATIOS } from '#core/providers/ports';
import type { ModelDefinition } from '#core/models/model-definition';
import type { ProviderRegistry } from '#core/providers/route-model';

/**
 * The models a test's own providers (a failing one, a recording one) offer, the way routing
 * treated them before the models file: each provider's models under their own names, priced like
 * the default file (1 per image, HD ×2; 2 per second of video), and each provider's first model
 * in the default order, in registry order.
 */
export function modelsOfProviders(registry: ProviderRegistry): ModelDefinition[] {
  const models: ModelDefinition[] = [];
  for (const kind of ['image', 'video'] as const) {
    registry[kind].forEach((provider, index) => {
      provider.capabilities.models.forEach((name, position) => {
        models.push({
          id: name,
          name,
          provider: provider.name,
          providerModel: name,
          kind,
          capabilities: {
            textToImage: true,
            edit: provider.capabilities.canEdit,
            upscale: false,
            negativePrompt: false,
            seed: true,
            aspectRatios: [...ASPECT_RATIOS],
            imagesPerRequest: kind === 'image' ? provider.capabilities.maxCount : 1,
            ...(kind === 'video' ? { durations: [4, 5, 6, 8] } : {}),
          },
          cost: kind === 'image' ? { perImage: 1, hdMultiplier: 2 } : { perSecond: 2, hdMultiplier: null },
          ...(position === 0 ? { fallbackOrder: index + 1 } : {}),
          fallbacks: [],
          settings: {},
        });
      });
    });
  }
  return models;
}
