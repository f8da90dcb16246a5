import type { AppConfig } from '#core/config/load-config';
import type { ImageProvider, VideoProvider } from '#core/providers/ports';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import { createOpenRouterImageProvider } from '#core/providers/openrouter/openrouter-image-provider';

/** The app's name as OpenRouter shows it (`X-Title`). */
const OPENROUTER_APP_TITLE = 'Imagine';

/** The demo providers, built by the caller (`createDemoImageProvider`, `createDemoVideoProvider`). */
export type DemoProviders = { demoImage: ImageProvider; demoVideo: VideoProvider };

/**
 * Builds the providers of this deployment from its configuration, in fallback order: images from
 * Google, then OpenRouter, then OpenAI; videos from Google. A kind with no configured provider is
 * served by the demo provider, so the service works with no keys at all; the demo never joins
 * configured providers, so a deployment with keys never hands a paying user a placeholder.
 */
export function createProviderRegistry(config: AppConfig, options: DemoProviders): ProviderRegistry {
  const { google, openrouter, openai } = config.providers;
  const image: ImageProvider[] = [];
  const video: VideoProvider[] = [];
  // PROVIDER_CALL_TIMEOUT_SECONDS, when set, bounds each request so a hung one is retried within the job's deadline.
  const timeout = config.providerCallTimeoutMs === undefined ? {} : { timeoutMs: config.providerCallTimeoutMs };
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
