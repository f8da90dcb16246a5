import type { CoreDeps } from '#core/core-deps';
import type { ModelDefinition, ModelPrice } from '#core/models/model-definition';
import { canUpscale, defaultModels, offeredModels } from '#core/providers/route-model';

/** A model users can pick, with its price: what /models, /settings, the pricing and create pages show. */
export type OfferedModel = {
  id: string;
  name: string;
  kind: 'image' | 'video';
  price: ModelPrice;
  capabilities: ModelDefinition['capabilities'];
  /** The model a request naming none goes to first. */
  isDefault: boolean;
};

type Deps = Pick<CoreDeps, 'config' | 'providers'>;

/**
 * The models of `kind` this deployment offers (their provider is configured), in the models
 * file's order, each with its price in credits (and its upscale price where it upscales here).
 * Models of an unconfigured provider are left out.
 */
export function listOfferedModels(deps: Deps, kind: 'image' | 'video'): OfferedModel[] {
  const first = defaultModels(deps, kind)[0];
  return offeredModels(deps, kind).map((model) => ({
    id: model.id,
    name: model.name,
    kind: model.kind,
    price: {
      perImage: model.cost.perImage,
      perSecond: model.cost.perSecond,
      hdMultiplier: model.cost.hdMultiplier,
      // Only where the Upscale button can reach it: the model upscales and its provider here has the call.
      ...(canUpscale(deps, model) ? { upscale: model.cost.upscale } : {}),
    },
    capabilities: model.capabilities,
    isDefault: model === first,
  }));
}

/** The default models' prices, for texts that quote "an image costs …" (help, /buy, the pricing page). */
export function defaultPrices(deps: Deps): { imageCost: number; hdMultiplier: number; videoPerSecond: number } {
  const image = defaultModels(deps, 'image')[0];
  const video = defaultModels(deps, 'video')[0];
  return {
    imageCost: image?.cost.perImage ?? 0,
    hdMultiplier: image?.cost.hdMultiplier ?? 1,
    videoPerSecond: video?.cost.perSecond ?? 0,
  };
}
