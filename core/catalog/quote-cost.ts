import type { ModelDefinition } from '#core/models/model-definition';

export type CostInput =
  | { kind: 'image'; count: number; quality: 'standard' | 'hd' }
  | { kind: 'video'; durationSeconds: number; quality: 'standard' | 'hd' }
  /** Enlarging one stored picture (the Upscale button): the model's `cost.upscale`. */
  | { kind: 'upscale' };

/** The credits a generation on `model` costs (from the models file), shown to the user before anything is spent. */
export function quoteCost(model: Pick<ModelDefinition, 'cost'>, input: CostInput): number {
  if (input.kind === 'upscale')
    return model.cost.upscale ?? (model.cost.perImage ?? 1) * (model.cost.hdMultiplier ?? 1);
  const hd = input.quality === 'hd' ? (model.cost.hdMultiplier ?? 1) : 1;
  if (input.kind === 'image') return (model.cost.perImage ?? 1) * input.count * hd;
  return (model.cost.perSecond ?? 1) * input.durationSeconds * hd;
}
