import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config/load-config';
import { buildLimits } from '#core/infra/build-limits';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import { createProviderRegistry } from '#core/providers/create-provider-registry';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { UPSCALE_PROVIDERS } from '#core/models/model-definition';
import { DEFAULT_TXT2IMG_WORKFLOW, DEFAULT_UPSCALE_WORKFLOW } from '#core/providers/comfyui/comfyui-workflow';
import type { ImageRequest, ImageUpscaler } from '#core/providers/ports';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';
import { silentLogger } from '#tests/core/infra/test-kit';

const demos = { demoImage: createDemoImageProvider(), demoVideo: createDemoVideoProvider() };
const names = (providers: readonly { name: string }[]): string[] => providers.map((provider) => provider.name);

describe('createProviderRegistry', () => {
  let google: FakeGoogleGenAIApi;
  let openai: FakeOpenAIApi;

  beforeAll(async () => {
    google = await FakeGoogleGenAIApi.start();
    openai = await FakeOpenAIApi.start();
  });

  afterAll(async () => {
    await google.close();
    await openai.close();
  });

  it('serves both kinds from the demo providers when no key is configured', () => {
    const registry = createProviderRegistry(loadConfig({}), demos);
    expect(registry.image).toEqual([demos.demoImage]);
    expect(registry.video).toEqual([demos.demoVideo]);
  });

  it('with every key: images from google, openrouter, openai in that order, videos from google, no demo', () => {
    const registry = createProviderRegistry(
      loadConfig({ GOOGLE_API_KEY: 'g', OPENROUTER_API_KEY: 'or', OPENAI_API_KEY: 'oa' }),
      demos,
    );
    expect(names(registry.image)).toEqual(['google', 'openrouter', 'openai']);
    expect(names(registry.video)).toEqual(['google']);
  });

  it('with SDAPI_URLS: images from the SD servers first, ahead of the paid providers and instead of the demo', async () => {
    const limiter = createRateLimiter({
      limits: {},
      redisUrl: undefined,
      keyPrefix: 'registry:',
      logger: silentLogger(),
    });
    const config = loadConfig({ SDAPI_URLS: 'http://gpu1:7860,http://gpu2:7860', OPENAI_API_KEY: 'oa' });
    const registry = createProviderRegistry(config, { ...demos, limiter: () => limiter });
    expect(names(registry.image)).toEqual(['sdapi', 'openai']);
    expect(registry.image[0]?.capabilities).toMatchObject({ models: ['stable-diffusion'], canEdit: true });
    expect(
      names(
        createProviderRegistry(loadConfig({ SDAPI_URLS: 'http://gpu1:7860' }), { ...demos, limiter: () => limiter })
          .image,
      ),
    ).toEqual(['sdapi']);
    expect(() => createProviderRegistry(config, demos)).toThrow(/rate limiter/);
    // Two servers: four calls under way (two waiting in the pool for a server), no per-minute quota.
    expect(buildLimits(config, registry)['provider:sdapi']).toEqual({ maxConcurrent: 8, slotTimeoutMs: 180_000 });
    await limiter.close();
  });

  it('a kind no configured provider serves stays with the demo', () => {
    const registry = createProviderRegistry(loadConfig({ OPENAI_API_KEY: 'oa', OPENROUTER_API_KEY: 'or' }), demos);
    expect(names(registry.image)).toEqual(['openrouter', 'openai']);
    expect(registry.video).toEqual([demos.demoVideo]);
  });

  it('wires each provider to its configured key and base URL, with the public URL and Imagine as OpenRouter attribution', async () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://imagine.example/',
      GOOGLE_API_KEY: google.apiKey,
      GOOGLE_GENAI_BASE_URL: google.baseUrl,
      OPENROUTER_API_KEY: openai.openrouterApiKey,
      OPENROUTER_BASE_URL: openai.openrouterBaseURL,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
    });
    const registry = createProviderRegistry(config, demos);

    for (const provider of registry.image) {
      const request: ImageRequest = {
        prompt: `a test from ${provider.name}`,
        model: provider.capabilities.models[0] ?? '',
        aspectRatio: '1:1',
        count: 1,
        quality: 'standard',
      };
      const [file] = await provider.generateImages(request);
      expect(file && readPng(file.bytes).topLeft).toEqual(colorForText(request.prompt));
    }
    const video = registry.video[0];
    const { operation } = (await video?.startVideo({
      prompt: 'waves',
      model: video.capabilities.models[0] ?? '',
      aspectRatio: '16:9',
      durationSeconds: 4,
    })) ?? { operation: '' };
    expect(operation).toMatch(/^models\/veo-3\.0-fast-generate-001\/operations\//);

    expect(google.requests.map((r) => r.path)).toEqual([
      '/v1beta/models/gemini-2.5-flash-image:generateContent',
      '/v1beta/models/veo-3.0-fast-generate-001:predictLongRunning',
    ]);
    expect(openai.requests.map((r) => r.path)).toEqual(['/api/v1/chat/completions', '/v1/images/generations']);
    expect(openai.requests[0]?.headers).toMatchObject({
      'http-referer': 'https://imagine.example',
      'x-title': 'Imagine',
    });
  });

  it('cuts every image call at PROVIDER_CALL_TIMEOUT_SECONDS, so a hung call is retried within the job deadline', async () => {
    const config = loadConfig({
      PROVIDER_CALL_TIMEOUT_SECONDS: '1',
      GOOGLE_API_KEY: google.apiKey,
      GOOGLE_GENAI_BASE_URL: google.baseUrl,
      OPENROUTER_API_KEY: openai.openrouterApiKey,
      OPENROUTER_BASE_URL: openai.openrouterBaseURL,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
    });
    google.hangNext('/v1beta/models/*');
    openai.hangNext('/api/v1/*');
    openai.hangNext('/v1/images/*');
    for (const provider of createProviderRegistry(config, demos).image) {
      const startedAt = Date.now();
      const request: ImageRequest = {
        prompt: 'a hung call',
        model: provider.capabilities.models[0] ?? '',
        aspectRatio: '1:1',
        count: 1,
        quality: 'standard',
      };
      const error = await provider.generateImages(request).then(
        () => undefined,
        (failure: unknown) => failure as { kind?: string; reason?: string },
      );
      expect([provider.name, error?.kind, error?.reason]).toEqual([provider.name, 'transient', 'timeout']);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    }
  });

  it('with COMFYUI_URLS, images go to ComfyUI first, ahead of the cloud providers and instead of the demo', async () => {
    const comfy = await FakeComfyUiApi.start({ stepMs: 1 });
    const limiter = createRateLimiter({
      limits: {},
      redisUrl: undefined,
      keyPrefix: 'registry:',
      logger: silentLogger(),
    });
    const withLimiter = { ...demos, limiter: () => limiter };
    try {
      const alone = createProviderRegistry(loadConfig({ COMFYUI_URLS: comfy.url }), withLimiter);
      expect(names(alone.image)).toEqual(['comfyui']);
      expect(alone.image[0]?.capabilities).toEqual({ models: ['comfyui'], canEdit: true, maxCount: 4 });
      expect(alone.video).toEqual([demos.demoVideo]);
      const [file] =
        (await alone.image[0]?.generateImages({
          prompt: 'a registry fox',
          model: 'comfyui',
          aspectRatio: '1:1',
          count: 1,
          quality: 'standard',
        })) ?? [];
      expect(file && readPng(file.bytes)).toEqual({
        width: 1024,
        height: 1024,
        topLeft: colorForText('a registry fox'),
      });

      const all = createProviderRegistry(loadConfig({ COMFYUI_URLS: comfy.url, OPENAI_API_KEY: 'oa' }), withLimiter);
      expect(names(all.image)).toEqual(['comfyui', 'openai']);
      const noEdits = createProviderRegistry(
        loadConfig({ COMFYUI_URLS: comfy.url, COMFYUI_EDIT_WORKFLOW: 'none' }),
        withLimiter,
      );
      expect(noEdits.image[0]?.capabilities.canEdit).toBe(false);
    } finally {
      await limiter.close();
      await comfy.close();
    }
  });

  it('gives exactly the providers the models file lets upscale an upscale call', () => {
    const config = loadConfig({
      SDAPI_URLS: 'http://127.0.0.1:9',
      COMFYUI_URLS: 'http://127.0.0.1:9',
      GOOGLE_API_KEY: 'g',
      OPENROUTER_API_KEY: 'r',
      OPENAI_API_KEY: 'o',
    });
    const limiter = () => {
      throw new Error('no job runs in this test');
    };
    const image = [...createProviderRegistry(config, { ...demos, limiter }).image, demos.demoImage];
    expect(names(image).sort()).toEqual(['comfyui', 'demo', 'google', 'openai', 'openrouter', 'sdapi']);
    for (const provider of image) {
      const upscales = typeof (provider as { upscaleImage?: unknown }).upscaleImage === 'function';
      expect(upscales, provider.name).toBe(UPSCALE_PROVIDERS.includes(provider.name));
    }
  });

  it('enlarges a picture on ComfyUI through COMFYUI_UPSCALE_WORKFLOW, the repository one by default', async () => {
    const comfy = await FakeComfyUiApi.start({ stepMs: 1 });
    const limiter = createRateLimiter({
      limits: {},
      redisUrl: undefined,
      keyPrefix: 'registry:',
      logger: silentLogger(),
    });
    const withLimiter = { ...demos, limiter: () => limiter };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comfyui-upscale-'));
    const own = path.join(dir, 'own-upscale.json');
    const graph = JSON.parse(fs.readFileSync(DEFAULT_UPSCALE_WORKFLOW, 'utf8')) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    (graph['2'] as { inputs: Record<string, unknown> }).inputs.model_name = 'RealESRGAN_x2plus.pth';
    fs.writeFileSync(own, JSON.stringify(graph));
    try {
      const picture = { bytes: makePng(40, 30, [1, 2, 3, 255]), mime: 'image/png' };
      for (const [env, model] of [
        [{}, 'RealESRGAN_x4plus.pth'],
        [{ COMFYUI_UPSCALE_WORKFLOW: own }, 'RealESRGAN_x2plus.pth'],
      ] as const) {
        const [provider] = createProviderRegistry(loadConfig({ COMFYUI_URLS: comfy.url, ...env }), withLimiter).image;
        const file = await (provider as unknown as ImageUpscaler).upscaleImage({ image: picture, scale: 2 });
        expect(readPng(file.bytes)).toEqual({ width: 80, height: 60, topLeft: [1, 2, 3, 255] });
        const loader = Object.values([...comfy.prompts.values()].at(-1)?.graph ?? {}).find(
          (node) => node.class_type === 'UpscaleModelLoader',
        );
        expect(loader?.inputs.model_name).toBe(model);
      }
      // A text workflow named as the upscale one: refused at start-up with its problem.
      expect(() =>
        createProviderRegistry(
          loadConfig({ COMFYUI_URLS: comfy.url, COMFYUI_UPSCALE_WORKFLOW: DEFAULT_TXT2IMG_WORKFLOW }),
          withLimiter,
        ),
      ).toThrow(
        /sdxl-txt2img\.json is not usable:\n {2}- node "3" input "seed" holds "\{\{seed\}\}"; an upscale workflow is given [\s\S]*- is the upscale workflow but has no \{\{input_image\}\} placeholder/,
      );
    } finally {
      await limiter.close();
      await comfy.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a ComfyUI workflow that cannot run, naming the file and its problems', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comfyui-registry-'));
    const file = path.join(dir, 'flow.json');
    fs.writeFileSync(file, JSON.stringify({ '1': { class_type: 'CLIPTextEncode', inputs: { text: 'fixed' } } }));
    try {
      expect(() =>
        createProviderRegistry(loadConfig({ COMFYUI_URLS: 'http://127.0.0.1:9', COMFYUI_WORKFLOW: file }), {
          ...demos,
          limiter: () => {
            throw new Error('not needed: the workflow is refused first');
          },
        }),
      ).toThrow(/flow\.json is not usable:\n {2}- has no \{\{prompt\}\} placeholder\n {2}- has no output node/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
