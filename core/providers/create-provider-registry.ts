import type { AppConfig } from '#core/config/load-config';
import { createMemorySlotLeases, type SlotLeases } from '#core/infra/rate-limit/slot-leases';
import { createComfyUiImageProvider } from '#core/providers/comfyui/comfyui-image-provider';
import {
  DEFAULT_IMG2IMG_WORKFLOW,
  DEFAULT_TXT2IMG_WORKFLOW,
  loadComfyWorkflow,
} from '#core/providers/comfyui/comfyui-workflow';
import type { ImageProvider, VideoProvider } from '#core/providers/ports';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import { createOpenRouterImageProvider } from '#core/providers/openrouter/openrouter-image-provider';

/** The app's name as OpenRouter shows it (`X-Title`). */
const OPENROUTER_APP_TITLE = 'Imagine';

/**
 * The demo providers, built by the caller (`createDemoImageProvider`, `createDemoVideoProvider`),
 * and the leases that count jobs per self-hosted instance across processes (`createRedisSlotLeases`
 * with Redis; this process only when not given).
 */
export type DemoProviders = { demoImage: ImageProvider; demoVideo: VideoProvider; instanceLeases?: SlotLeases };

/** The model name ComfyUI's workflows are offered under until the models file names them per model. */
export const COMFYUI_MODEL = 'comfyui';

/**
 * Builds the providers of this deployment from its configuration, in fallback order: images from
 * self-hosted ComfyUI (COMFYUI_URLS), then Google, OpenRouter and OpenAI; videos from Google. The
 * ComfyUI workflows are read and checked here, at start-up, failing with every problem listed. A kind with no configured provider is
 * served by the demo provider, so the service works with no keys at all; the demo never joins
 * configured providers, so a deployment with keys never hands a paying user a placeholder.
 */
export function createProviderRegistry(config: AppConfig, options: DemoProviders): ProviderRegistry {
  const { google, openrouter, openai } = config.providers;
  const image: ImageProvider[] = [];
  const video: VideoProvider[] = [];
  // PROVIDER_CALL_TIMEOUT_SECONDS, when set, bounds each request so a hung one is retried within the job's deadline.
  const timeout = config.providerCallTimeoutMs === undefined ? {} : { timeoutMs: config.providerCallTimeoutMs };
  if (config.providers.comfyui) {
    const { urls, workflow, editWorkflow } = config.providers.comfyui;
    image.push(
      createComfyUiImageProvider({
        urls,
        leases: options.instanceLeases ?? createMemorySlotLeases(),
        models: [
          {
            name: COMFYUI_MODEL,
            workflow: loadComfyWorkflow(workflow ?? DEFAULT_TXT2IMG_WORKFLOW, { forEdits: false }),
            editWorkflow:
              editWorkflow === null
                ? undefined
                : loadComfyWorkflow(editWorkflow ?? DEFAULT_IMG2IMG_WORKFLOW, { forEdits: true }),
          },
        ],
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
