import path from 'node:path';
import type { AppConfig } from '#core/config/load-config';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createComfyUiImageProvider } from '#core/providers/comfyui/comfyui-image-provider';
import {
  DEFAULT_IMG2IMG_WORKFLOW,
  DEFAULT_TXT2IMG_WORKFLOW,
  DEFAULT_UPSCALE_WORKFLOW,
  loadComfyWorkflow,
} from '#core/providers/comfyui/comfyui-workflow';
import type { ImageProvider, VideoProvider } from '#core/providers/ports';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import { createOpenRouterImageProvider } from '#core/providers/openrouter/openrouter-image-provider';
import {
  createSdApiImageProvider,
  SDAPI_DEFAULT_MODEL,
  type SdApiModelSettings,
} from '#core/providers/sdapi/sdapi-image-provider';

/** The app's name as OpenRouter shows it (`X-Title`). */
const OPENROUTER_APP_TITLE = 'Imagine';

/** The demo providers, built by the caller (`createDemoImageProvider`, `createDemoVideoProvider`). */
export type DemoProviders = { demoImage: ImageProvider; demoVideo: VideoProvider };

/** The model name ComfyUI's workflows are offered under until the models file names them per model. */
export const COMFYUI_MODEL = 'comfyui';

/** What {@link createProviderRegistry} needs besides the configuration. */
export type ProviderRegistryOptions = DemoProviders & {
  /**
   * The deployment's rate limiter, read when a job starts (it is built after the registry, from
   * its provider names). Required with SDAPI_URLS or COMFYUI_URLS: its holds keep one job per
   * instance across processes.
   */
  limiter?: () => RateLimiter;
};

/**
 * Builds the providers of this deployment from its configuration: images from the deployment's own
 * Stable Diffusion servers (SDAPI_URLS) and ComfyUI (COMFYUI_URLS), Google, OpenRouter and OpenAI;
 * videos from Google (the models file orders them). The ComfyUI workflows are read and checked
 * here, at start-up, failing with every problem listed. A kind with no configured provider is
 * served by the demo provider, so the service works with no keys at all; the demo never joins
 * configured providers, so a deployment with keys never hands a paying user a placeholder.
 */
export function createProviderRegistry(config: AppConfig, options: ProviderRegistryOptions): ProviderRegistry {
  const { google, openrouter, openai, sdapi } = config.providers;
  const image: ImageProvider[] = [];
  const video: VideoProvider[] = [];
  // PROVIDER_CALL_TIMEOUT_SECONDS, when set, bounds each request so a hung one is retried within the job's deadline.
  const timeout = config.providerCallTimeoutMs === undefined ? {} : { timeoutMs: config.providerCallTimeoutMs };
  if (sdapi) {
    const limiter = options.limiter;
    if (!limiter) throw new Error('SDAPI_URLS is set but no rate limiter was given to hold its servers');
    image.push(
      createSdApiImageProvider({
        servers: sdapi.servers,
        limiter,
        models: sdApiModels(config, sdapi),
        ...timeout,
      }),
    );
  }
  if (config.providers.comfyui) {
    const { urls, ...workflows } = config.providers.comfyui;
    const limiter = options.limiter;
    if (!limiter) throw new Error('COMFYUI_URLS is set but no rate limiter was given to hold its instances');
    image.push(
      createComfyUiImageProvider({
        urls,
        limiter,
        models: comfyUiModels(config, workflows),
        ...timeout,
      }),
    );
  }
  if (google) {
    image.push(createGoogleImageProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl, ...timeout }));
    video.push(createGoogleVideoProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl, ...timeout }));
  }
  if (openrouter) {
    image.push(
      createOpenRouterImageProvider({
        apiKey: openrouter.apiKey,
        baseUrl: openrouter.baseUrl,
        referer: config.publicUrl,
        title: OPENROUTER_APP_TITLE,
        ...timeout,
      }),
    );
  }
  if (openai) image.push(createOpenAiImageProvider({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, ...timeout }));
  return {
    image: image.length > 0 ? image : [options.demoImage],
    video: video.length > 0 ? video : [options.demoVideo],
  };
}

/**
 * The SD settings of every `sdapi` model of the models file, by its provider model name: the
 * file's `settings` (checkpoint, upscaler, baseEdge, steps, cfgScale, sampler, negativePrompt),
 * over SDAPI_CHECKPOINT and SDAPI_UPSCALER. The default model name always has an entry.
 */
function sdApiModels(
  config: AppConfig,
  sdapi: { checkpoint?: string | undefined; upscaler?: string | undefined },
): Record<string, SdApiModelSettings> {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const count = (value: unknown) => (typeof value === 'number' ? value : undefined);
  const models: Record<string, SdApiModelSettings> = {
    [SDAPI_DEFAULT_MODEL]: { checkpoint: sdapi.checkpoint, upscaler: sdapi.upscaler },
  };
  for (const model of config.models) {
    if (model.provider !== 'sdapi') continue;
    const { settings } = model;
    models[model.providerModel] = {
      checkpoint: text(settings.checkpoint) ?? sdapi.checkpoint,
      upscaler: text(settings.upscaler) ?? sdapi.upscaler,
      baseEdge: count(settings.baseEdge),
      steps: count(settings.steps),
      cfgScale: count(settings.cfgScale),
      sampler: text(settings.sampler),
      negativePrompt: text(settings.negativePrompt),
    };
  }
  return models;
}

/**
 * The ComfyUI models: the default one (COMFYUI_WORKFLOW, COMFYUI_EDIT_WORKFLOW,
 * COMFYUI_UPSCALE_WORKFLOW, else the repository's workflows) and every `comfyui` model of the
 * models file with its own `settings.workflow`, `settings.editWorkflow` (`none`: no edits) and
 * `settings.upscaleWorkflow`, each read and checked now.
 */
function comfyUiModels(
  config: AppConfig,
  defaults: {
    workflow: string | undefined;
    editWorkflow: string | null | undefined;
    upscaleWorkflow: string | undefined;
  },
): Parameters<typeof createComfyUiImageProvider>[0]['models'] {
  const build = (
    name: string,
    workflow: string | undefined,
    editWorkflow: string | null | undefined,
    upscaleWorkflow: string | undefined,
  ) => ({
    name,
    workflow: loadComfyWorkflow(workflow ?? DEFAULT_TXT2IMG_WORKFLOW, { purpose: 'text' }),
    editWorkflow:
      editWorkflow === null
        ? undefined
        : loadComfyWorkflow(editWorkflow ?? DEFAULT_IMG2IMG_WORKFLOW, { purpose: 'edit' }),
    upscaleWorkflow: loadComfyWorkflow(upscaleWorkflow ?? DEFAULT_UPSCALE_WORKFLOW, { purpose: 'upscale' }),
  });
  const models = [build(COMFYUI_MODEL, defaults.workflow, defaults.editWorkflow, defaults.upscaleWorkflow)];
  for (const model of config.models) {
    if (model.provider !== 'comfyui' || model.providerModel === COMFYUI_MODEL) continue;
    const { workflow, editWorkflow, upscaleWorkflow } = model.settings;
    models.push(
      build(
        model.providerModel,
        typeof workflow === 'string' ? path.resolve(workflow) : defaults.workflow,
        editWorkflow === 'none'
          ? null
          : typeof editWorkflow === 'string'
            ? path.resolve(editWorkflow)
            : defaults.editWorkflow,
        typeof upscaleWorkflow === 'string' ? path.resolve(upscaleWorkflow) : defaults.upscaleWorkflow,
      ),
    );
  }
  return models;
}
