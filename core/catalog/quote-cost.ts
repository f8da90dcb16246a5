import { ownValue, type Catalog } from '#core/catalog/catalog';

export type CostInput =
  | { kind: 'image'; model: string; count: number; quality: 'standard' | 'hd' }
  | { kind: 'video'; model: string; durationSeconds: number };

/** The credits a generation costs, shown to the user before anything is spent. */
export function quoteCost(catalog: Catalog, input: CostInput): number {
  const { costs } = catalog;
  if (input.kind === 'image') {
    const perImage = ownValue(costs.imageModels, input.model) ?? costs.imageModels.default ?? 1;
    return perImage * input.count * (input.quality === 'hd' ? costs.hdMultiplier : 1);
  }
  const perSecond = ownValue(costs.videoModelsPerSecond, input.model) ?? costs.videoModelsPerSecond.default ?? 2;
  return perSecond * input.durationSeconds;
}
