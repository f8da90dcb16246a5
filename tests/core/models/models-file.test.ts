import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteCost } from '#core/catalog/quote-cost';
import { ConfigError, loadConfig, type AppConfig } from '#core/config/load-config';
import { createProviderRegistry } from '#core/providers/create-provider-registry';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { chooseModel, type ModelRequest } from '#core/providers/route-model';
import { listOfferedModels } from '#core/models/list-offered-models';

const demos = { demoImage: createDemoImageProvider(), demoVideo: createDemoVideoProvider() };
const KEYS = {
  GOOGLE_API_KEY: 'g',
  OPENROUTER_API_KEY: 'r',
  OPENAI_API_KEY: 'o',
};

const IMAGE: ModelRequest = {
  kind: 'image',
  modelId: undefined,
  hasInputImage: false,
  count: 1,
  quality: 'standard',
  aspectRatio: '1:1',
  durationSeconds: 5,
};
const VIDEO: ModelRequest = { ...IMAGE, kind: 'video' };

function routesOf(env: Record<string, string>, request: ModelRequest) {
  const config = loadConfig(env);
  const deps = { config, providers: createProviderRegistry(config, demos) };
  return chooseModel(deps, request).routes.map((route) => `${route.provider}:${route.model}`);
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('the default models file', () => {
  it('routes as the code did: Google, then OpenRouter, then OpenAI for images; Veo for video', () => {
    expect(routesOf(KEYS, IMAGE)).toEqual([
      'google:gemini-2.5-flash-image',
      'openrouter:google/gemini-2.5-flash-image',
      'openai:gpt-image-1',
    ]);
    expect(routesOf(KEYS, VIDEO)).toEqual(['google:veo-3.0-fast-generate-001']);
    expect(routesOf({ OPENROUTER_API_KEY: 'r', OPENAI_API_KEY: 'o' }, IMAGE)).toEqual([
      'openrouter:google/gemini-2.5-flash-image',
      'openai:gpt-image-1',
    ]);
    // No key for a kind: the demo provider, never mixed with configured ones.
    expect(routesOf({ OPENAI_API_KEY: 'o' }, VIDEO)).toEqual(['demo:demo']);
    expect(routesOf({}, IMAGE)).toEqual(['demo:demo']);
    expect(routesOf({}, VIDEO)).toEqual(['demo:demo']);
  });

  it('sends a named model to that model only, as before', () => {
    expect(routesOf(KEYS, { ...IMAGE, modelId: 'gpt-image-1' })).toEqual(['openai:gpt-image-1']);
    expect(routesOf(KEYS, { ...IMAGE, modelId: 'google/gemini-2.5-flash-image' })).toEqual([
      'openrouter:google/gemini-2.5-flash-image',
    ]);
  });

  it('charges what the code charged: 1 per image, HD ×2, 2 per second of video, on every model', () => {
    const config = loadConfig({});
    for (const model of config.models) {
      if (model.kind === 'image') {
        expect(quoteCost(model, { kind: 'image', count: 1, quality: 'standard' }), model.id).toBe(1);
        expect(quoteCost(model, { kind: 'image', count: 4, quality: 'hd' }), model.id).toBe(8);
        // An upscale costs what the HD picture it replaces cost: 2 credits.
        if (model.capabilities.upscale) expect(quoteCost(model, { kind: 'upscale' }), model.id).toBe(2);
      } else {
        expect(quoteCost(model, { kind: 'video', durationSeconds: 5, quality: 'standard' }), model.id).toBe(10);
        expect(quoteCost(model, { kind: 'video', durationSeconds: 8, quality: 'standard' }), model.id).toBe(16);
      }
    }
  });

  it('offers only the models whose provider is configured', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'o' });
    const deps = { config, providers: createProviderRegistry(config, demos) };
    expect(listOfferedModels(deps, 'image').map((model) => model.id)).toEqual(['gpt-image-1']);
    expect(listOfferedModels(deps, 'video').map((model) => model.id)).toEqual(['demo']);
    expect(() => chooseModel(deps, { ...IMAGE, modelId: 'gemini-2.5-flash-image' })).toThrow(
      expect.objectContaining({ code: 'model_not_offered' }),
    );
  });
});

describe('MODELS_FILE', () => {
  let dir: string;
  const write = async (name: string, content: unknown) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const good = {
    id: 'fast',
    name: 'Fast',
    provider: 'demo',
    providerModel: 'demo',
    kind: 'image',
    capabilities: { imagesPerRequest: 2, aspectRatios: ['1:1'] },
    cost: { perImage: 2 },
    fallbackOrder: 1,
    settings: { checkpoint: 'sdxl.safetensors', steps: 30 },
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-models-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('loads an operator file with provider settings and defaults filled in', async () => {
    const config: AppConfig = loadConfig({ MODELS_FILE: await write('one.json', { models: [good] }) });
    expect(config.models).toEqual([
      expect.objectContaining({
        id: 'fast',
        capabilities: expect.objectContaining({ edit: false, textToImage: true, imagesPerRequest: 2 }),
        cost: { perImage: 2, hdMultiplier: null },
        fallbacks: [],
        settings: { checkpoint: 'sdxl.safetensors', steps: 30 },
      }),
    ]);
  });

  it('lists every problem of the file at once, with the other configuration problems', async () => {
    const file = await write('bad.json', {
      models: [
        good,
        { ...good, name: 'Same id' },
        { ...good, id: 'Bad Id', provider: 'midjourney', fallbackOrder: 2 },
        { ...good, id: 'pricey', cost: { perImage: 5 }, fallbackOrder: 3, fallbacks: ['fast', 'ghost'] },
        { ...good, id: 'clip', kind: 'video', cost: { perImage: 1 }, fallbackOrder: 1 },
        { ...good, id: 'extra', colour: 'red' },
      ],
    });
    const problems = problemsOf({ MODELS_FILE: file, PORT: 'abc' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: must be a whole number',
        expect.stringMatching(/^MODELS_FILE bad\.json: model Bad Id: id: must be 1-48 lower-case/),
        expect.stringMatching(/^MODELS_FILE bad\.json: model Bad Id: provider: must be one of demo, google/),
        expect.stringMatching(/^MODELS_FILE bad\.json: model extra: .*colour/),
      ]),
    );
    // The schema is fine here; what ties models together is checked, and all of it is reported.
    const tied = problemsOf({
      MODELS_FILE: await write('tied.json', {
        models: [
          good,
          { ...good, name: 'Same id', fallbackOrder: 5 },
          { ...good, id: 'pricey', cost: { perImage: 5 }, fallbackOrder: 3, fallbacks: ['fast', 'ghost'] },
          { ...good, id: 'clip', kind: 'video', cost: { perImage: 1 }, fallbackOrder: 1 },
        ],
      }),
    });
    expect(tied).toEqual([
      'MODELS_FILE tied.json: model fast: another image model has this id',
      'MODELS_FILE tied.json: model pricey: fallback fast has another price (users pay what they were quoted)',
      'MODELS_FILE tied.json: model pricey: fallback ghost is no image model of this file',
      'MODELS_FILE tied.json: model clip: cost.perSecond is required for a video model',
      'MODELS_FILE tied.json: model clip: cost.perImage is for image models',
      'MODELS_FILE tied.json: model clip: a video model needs durations',
      'MODELS_FILE tied.json: model clip: a video model makes 1 per request',
      'MODELS_FILE tied.json: model pricey: costs other than fast; every image model with a fallbackOrder must cost the same',
    ]);
  });

  it('fails a named model over only to its own fallbacks that are offered and able; the default order to its peers', async () => {
    const file = await write('fallbacks.json', {
      models: [
        { ...good, id: 'a', capabilities: { imagesPerRequest: 1 }, fallbackOrder: 1 },
        { ...good, id: 'b', fallbacks: ['a', 'c'], fallbackOrder: undefined },
        { ...good, id: 'c', provider: 'openai', fallbackOrder: 2 },
        { ...good, id: 'd', fallbackOrder: 3 },
      ],
    });
    const config = loadConfig({ MODELS_FILE: file });
    const deps = { config, providers: { image: [demos.demoImage], video: [demos.demoVideo] } };
    const ids = (request: ModelRequest) => chooseModel(deps, request).routes.map((route) => route.modelId);
    expect(ids({ ...IMAGE, modelId: 'b' })).toEqual(['b', 'a']);
    expect(ids({ ...IMAGE, modelId: 'b', count: 2 })).toEqual(['b']);
    expect(ids({ ...IMAGE, modelId: 'a' })).toEqual(['a']);
    expect(ids(IMAGE)).toEqual(['a', 'd']);
    expect(ids({ ...IMAGE, count: 2 })).toEqual(['d']);
    expect(chooseModel(deps, { ...IMAGE, count: 2 }).model.id).toBe('d');
  });

  it('prices an upscale per picture: required where a model upscales, one price along the default order', async () => {
    const upscaler = {
      ...good,
      provider: 'sdapi',
      capabilities: { upscale: true },
      cost: { perImage: 2, upscale: 3 },
    };
    const problems = problemsOf({
      MODELS_FILE: await write('upscale.json', {
        models: [
          { ...upscaler, id: 'a', cost: { perImage: 2 }, fallbackOrder: 1 },
          { ...upscaler, id: 'b', fallbackOrder: 2 },
          { ...upscaler, id: 'c', cost: { perImage: 2, upscale: 4 }, fallbackOrder: 3 },
          { ...good, id: 'd', cost: { perImage: 2, upscale: 1 }, fallbackOrder: 4 },
          { ...upscaler, id: 'e', cost: { perImage: 2, upscale: 5 }, fallbacks: ['b'], fallbackOrder: undefined },
        ],
      }),
    });
    expect(problems).toEqual([
      'MODELS_FILE upscale.json: model a: cost.upscale is required for a model that upscales',
      'MODELS_FILE upscale.json: model d: cost.upscale is for models that upscale',
      'MODELS_FILE upscale.json: model e: fallback b upscales at another price (users pay what they were quoted)',
      'MODELS_FILE upscale.json: model c: upscales at another price than b; every image model with a fallbackOrder that upscales must charge the same',
    ]);
  });

  it('refuses to start with a model that says it upscales on a provider with no upscale call, among the other problems', async () => {
    const upscaler = { ...good, capabilities: { upscale: true }, cost: { perImage: 2, upscale: 2 } };
    const problems = problemsOf({
      MODELS_FILE: await write('upscale-providers.json', {
        models: [
          { ...upscaler, id: 'sd', provider: 'sdapi', fallbackOrder: 1 },
          { ...upscaler, id: 'comfy', provider: 'comfyui', fallbackOrder: 2 },
          { ...upscaler, id: 'gemini', provider: 'google', fallbackOrder: 3 },
          { ...upscaler, id: 'painter', provider: 'demo', fallbackOrder: 4 },
          { ...good, id: 'broken', cost: {}, fallbackOrder: 5 },
        ],
      }),
    });
    expect(problems).toEqual([
      'MODELS_FILE upscale-providers.json: model gemini: capabilities.upscale is true, but provider google has no upscale call (only sdapi, comfyui upscale)',
      'MODELS_FILE upscale-providers.json: model painter: capabilities.upscale is true, but provider demo has no upscale call (only sdapi, comfyui upscale)',
      'MODELS_FILE upscale-providers.json: model broken: cost.perImage is required for an image model',
      expect.stringContaining('model broken: costs other than sd'),
    ]);
  });

  it('routes an upscale only to models that upscale, and quotes their upscale price', async () => {
    const file = await write('upscale-routes.json', {
      models: [
        { ...good, id: 'painter', provider: 'sdapi', providerModel: 'stable-diffusion', fallbackOrder: 1 },
        {
          ...good,
          id: 'sd',
          provider: 'sdapi',
          providerModel: 'stable-diffusion',
          capabilities: { upscale: true },
          cost: { perImage: 2, upscale: 3 },
          fallbackOrder: 2,
        },
      ],
    });
    const upscale: ModelRequest = { ...IMAGE, operation: 'upscale' };
    const withServers = loadConfig({ MODELS_FILE: file, SDAPI_URLS: 'http://127.0.0.1:9' });
    // The limiter is only read when a job starts, and none starts here.
    const limiter = () => {
      throw new Error('no job runs in this test');
    };
    const deps = { config: withServers, providers: createProviderRegistry(withServers, { ...demos, limiter }) };
    const chosen = chooseModel(deps, upscale);
    expect(chosen.routes.map((route) => route.modelId)).toEqual(['sd']);
    expect(quoteCost(chosen.model, { kind: 'upscale' })).toBe(3);
    expect(chooseModel(deps, IMAGE).model.id).toBe('painter');
    // No server to upscale on: nothing is routed, the refusal says so.
    const without = loadConfig({
      MODELS_FILE: await write('no-upscaler.json', {
        models: [
          { ...good, id: 'painter', fallbackOrder: 1 },
          {
            ...good,
            id: 'sd',
            provider: 'sdapi',
            capabilities: { upscale: true },
            cost: { perImage: 2, upscale: 3 },
            fallbackOrder: 2,
          },
        ],
      }),
    });
    expect(() => chooseModel({ config: without, providers: createProviderRegistry(without, demos) }, upscale)).toThrow(
      expect.objectContaining({ code: 'upscale_unavailable' }),
    );
  });

  it('names a file it cannot read or parse', async () => {
    expect(problemsOf({ MODELS_FILE: path.join(dir, 'missing.json') })).toEqual([
      `MODELS_FILE: cannot read ${path.join(dir, 'missing.json')} (ENOENT)`,
    ]);
    expect(problemsOf({ MODELS_FILE: await write('broken.json', '{"models": [') })).toEqual([
      expect.stringMatching(/^MODELS_FILE broken\.json: not JSON: /),
    ]);
  });
});
