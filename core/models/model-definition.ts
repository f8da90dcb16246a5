import { z } from 'zod';
import { ASPECT_RATIOS } from '#core/providers/ports';
import { VIDEO_DURATIONS } from '#core/generation/parse-generation-options';

/** Provider adapters a model can name; a model of a provider this deployment has no key for is not offered. */
export const MODEL_PROVIDERS = ['demo', 'google', 'openrouter', 'openai', 'sdapi', 'comfyui'] as const;

/**
 * Providers whose adapter has the upscale call (`ImageUpscaler`): Stable Diffusion's
 * `extra-single-image` and ComfyUI's upscale workflow. A model of another provider that says it
 * upscales is a start-up error, not a button that is silently never shown.
 */
export const UPSCALE_PROVIDERS: readonly string[] = ['sdapi', 'comfyui'];

/** What a model can do; admission refuses a request outside it before anything is charged. */
const CapabilitiesSchema = z.strictObject({
  /** Makes pictures from words alone; false for a model that only edits or upscales a given picture. */
  textToImage: z.boolean().default(true),
  /** Takes an input image to edit (a photo sent with the prompt, /video from a picture). */
  edit: z.boolean().default(false),
  upscale: z.boolean().default(false),
  negativePrompt: z.boolean().default(false),
  seed: z.boolean().default(false),
  aspectRatios: z
    .array(z.enum(ASPECT_RATIOS))
    .min(1)
    .default(() => [...ASPECT_RATIOS]),
  /** Images of one request (`--n`), 1 for video. */
  imagesPerRequest: z.number().int().min(1).max(4).default(1),
  /** Video lengths in seconds (`--seconds`); video models only. */
  durations: z
    .array(z.number().int())
    .refine((values) => values.every((value) => (VIDEO_DURATIONS as readonly number[]).includes(value)), {
      message: `every duration must be one of ${VIDEO_DURATIONS.join(', ')}`,
    })
    .optional(),
});

/** Credits: per image (image models) or per second (video models); `hdMultiplier` null = the model has no HD. */
const CostSchema = z.strictObject({
  perImage: z.number().int().positive().optional(),
  perSecond: z.number().int().positive().optional(),
  hdMultiplier: z.number().int().min(1).nullable().default(null),
  /** Credits for enlarging one picture (the Upscale button); required where `capabilities.upscale`. */
  upscale: z.number().int().positive().optional(),
});

/** One model the operator offers. */
const ModelSchema = z.strictObject({
  /** Our id: what users type after `--model` and pick in /settings. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,47}$/, {
    message: 'must be 1-48 lower-case letters, digits and . _ / -, starting with a letter or digit',
  }),
  name: z.string().trim().min(1).max(64),
  provider: z.string().refine((value) => (MODEL_PROVIDERS as readonly string[]).includes(value), {
    message: `must be one of ${MODEL_PROVIDERS.join(', ')}`,
  }),
  /** The provider's own name of the model, sent in its API calls. */
  providerModel: z.string().min(1).max(200),
  kind: z.enum(['image', 'video']),
  capabilities: CapabilitiesSchema,
  cost: CostSchema,
  /**
   * Place in its kind's default order (1 first): a request naming no model goes to the first
   * offered one and fails over along the others. Absent: only used when asked for by id.
   */
  fallbackOrder: z.number().int().positive().optional(),
  /** Models a request naming this one may fail over to (same kind and price). */
  fallbacks: z.array(z.string()).default([]),
  /** Provider-specific settings (a checkpoint, an upscaler, a workflow file). */
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

/** The models file (`MODELS_FILE`). */
export const ModelsFileSchema = z.strictObject({ models: z.array(ModelSchema).min(1) });

/** A model as the product uses it, after validation. */
export type ModelDefinition = z.infer<typeof ModelSchema>;

/** The price of one model in credits. */
export type ModelPrice = {
  perImage?: number | undefined;
  perSecond?: number | undefined;
  hdMultiplier: number | null;
  upscale?: number | undefined;
};

/**
 * Validates the text of a models file: JSON, the schema, then what ties models together (unique
 * ids per kind, a cost that fits the kind, fallbacks that exist and cost the same, one price per
 * default order). Returns the models, or every problem found, each naming where it is.
 */
export function parseModelsFile(text: string): { models: ModelDefinition[] } | { problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problems: [`not JSON: ${(error as Error).message}`] };
  }
  const parsed = ModelsFileSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => `${pathOf(raw, issue.path)}: ${issue.message}`),
    };
  }
  const { models } = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const model of models) {
    const where = `model ${model.id}`;
    const key = `${model.kind}/${model.id}`;
    if (seen.has(key)) problems.push(`${where}: another ${model.kind} model has this id`);
    seen.add(key);
    if (model.kind === 'image') {
      if (model.cost.perImage === undefined) problems.push(`${where}: cost.perImage is required for an image model`);
      if (model.cost.perSecond !== undefined) problems.push(`${where}: cost.perSecond is for video models`);
      if (model.capabilities.durations !== undefined) problems.push(`${where}: durations are for video models`);
    } else {
      if (model.cost.perSecond === undefined) problems.push(`${where}: cost.perSecond is required for a video model`);
      if (model.cost.perImage !== undefined) problems.push(`${where}: cost.perImage is for image models`);
      if (!model.capabilities.durations?.length) problems.push(`${where}: a video model needs durations`);
      if (model.capabilities.imagesPerRequest !== 1) problems.push(`${where}: a video model makes 1 per request`);
    }
    if (model.capabilities.upscale && !UPSCALE_PROVIDERS.includes(model.provider))
      problems.push(
        `${where}: capabilities.upscale is true, but provider ${model.provider} has no upscale call (only ${UPSCALE_PROVIDERS.join(', ')} upscale)`,
      );
    if (model.capabilities.upscale && model.cost.upscale === undefined)
      problems.push(`${where}: cost.upscale is required for a model that upscales`);
    if (!model.capabilities.upscale && model.cost.upscale !== undefined)
      problems.push(`${where}: cost.upscale is for models that upscale`);
    for (const fallbackId of model.fallbacks) {
      const fallback = models.find((candidate) => candidate.kind === model.kind && candidate.id === fallbackId);
      if (!fallback) problems.push(`${where}: fallback ${fallbackId} is no ${model.kind} model of this file`);
      else if (fallback === model) problems.push(`${where}: cannot be its own fallback`);
      else if (!isSamePrice(fallback.cost, model.cost))
        problems.push(`${where}: fallback ${fallbackId} has another price (users pay what they were quoted)`);
      else if (!isSameUpscalePrice(fallback, model))
        problems.push(`${where}: fallback ${fallbackId} upscales at another price (users pay what they were quoted)`);
    }
  }
  for (const kind of ['image', 'video'] as const) {
    const ordered = models.filter((model) => model.kind === kind && model.fallbackOrder !== undefined);
    const ofKind = models.filter((model) => model.kind === kind);
    if (ofKind.length > 0 && ordered.length === 0)
      problems.push(`${kind} models: none has a fallbackOrder, so a request naming no model has none to use`);
    const positions = new Set<number>();
    for (const model of ordered) {
      if (positions.has(model.fallbackOrder as number))
        problems.push(`model ${model.id}: fallbackOrder ${model.fallbackOrder} is taken by another ${kind} model`);
      positions.add(model.fallbackOrder as number);
      const first = ordered[0] as ModelDefinition;
      if (!isSamePrice(first.cost, model.cost))
        problems.push(
          `model ${model.id}: costs other than ${first.id}; every ${kind} model with a fallbackOrder must cost the same`,
        );
    }
    const firstUpscaler = ordered.find((model) => model.capabilities.upscale && model.cost.upscale !== undefined);
    for (const model of ordered) {
      if (firstUpscaler && model.cost.upscale !== undefined && !isSameUpscalePrice(firstUpscaler, model))
        problems.push(
          `model ${model.id}: upscales at another price than ${firstUpscaler.id}; every ${kind} model with a fallbackOrder that upscales must charge the same`,
        );
    }
  }
  return problems.length > 0 ? { problems } : { models };
}

/** Whether two models charge alike (so failing over between them never changes what the user pays). */
export function isSamePrice(a: ModelPrice, b: ModelPrice): boolean {
  return a.perImage === b.perImage && a.perSecond === b.perSecond && a.hdMultiplier === b.hdMultiplier;
}

/** Whether two models that both upscale charge alike for it (one that does not upscale is never routed an upscale). */
function isSameUpscalePrice(a: ModelDefinition, b: ModelDefinition): boolean {
  return !a.capabilities.upscale || !b.capabilities.upscale || a.cost.upscale === b.cost.upscale;
}

/** `models[2].cost.perImage` named by the model's id where it has one: `model gpt-image-1: cost.perImage`. */
function pathOf(raw: unknown, path: readonly PropertyKey[]): string {
  if (path[0] === 'models' && typeof path[1] === 'number') {
    const entry = (raw as { models?: unknown[] }).models?.[path[1]];
    const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
    const rest = path.slice(2).map(String).join('.');
    const name = typeof id === 'string' ? `model ${id}` : `models[${path[1]}]`;
    return rest ? `${name}: ${rest}` : name;
  }
  return path.map(String).join('.') || '(file)';
}
