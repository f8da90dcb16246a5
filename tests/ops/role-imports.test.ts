import { describe, expect, it } from 'vitest';
import { packagesLoadedBy } from '#tests/support/loaded-packages';

// What a process loads decides its memory: an SDK a role never calls must not be imported by it.
describe('the SDKs a process loads', () => {
  it('loads the AWS SDK only for media on S3', async () => {
    const local = await packagesLoadedBy(`
      const { createMediaStore } = await import('#core/infra/media/create-media-store');
      await createMediaStore({ kind: 'local', rootDir: '/tmp/imagine-never-written' });
    `);
    expect(local.has('@aws-sdk/client-s3')).toBe(false);
    const s3 = await packagesLoadedBy(`
      const { createMediaStore } = await import('#core/infra/media/create-media-store');
      const opened = await createMediaStore({ kind: 's3', bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9',
        forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
      opened.close();
    `);
    expect(s3.has('@aws-sdk/client-s3')).toBe(true);
  });
});

describe('provider SDKs', () => {
  it('are loaded by the first call to their provider, not by the core or the registry', async () => {
    const loaded = await packagesLoadedBy(`
      await import('#core');
      const { loadConfig } = await import('#core/config/load-config');
      const { createProviderRegistry } = await import('#core/providers/create-provider-registry');
      const config = loadConfig({ ...process.env, GOOGLE_API_KEY: 'g', OPENROUTER_API_KEY: 'o', COMFYUI_URLS: 'http://127.0.0.1:9', OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', DATA_DIR: '/tmp/imagine-never-written', SESSION_SECRET: 's'.repeat(32) });
      const demo = { name: 'demo', capabilities: { models: [], canEdit: false, maxCount: 1 } };
      const limiter = () => { throw new Error('no job runs here'); };
      createProviderRegistry(config, { demoImage: demo, demoVideo: demo, limiter });
    `);
    expect(
      [...loaded].filter((name) => ['openai', '@google/genai', 'google-auth-library', 'ws'].includes(name)),
    ).toEqual([]);

    const called = await packagesLoadedBy(`
      const { createOpenAiImageProvider } = await import('#core/providers/openai/openai-image-provider');
      const provider = createOpenAiImageProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 2000 });
      const failure = await provider.generateImages({ prompt: 'a', count: 1, aspectRatio: '1:1', model: 'gpt-image-1' }).catch((error) => error);
      if (failure?.kind !== 'transient') throw new Error('expected a transient ProviderError, got ' + failure);
    `);
    expect(called.has('openai')).toBe(true);
  });
});

describe('the Telegram bot', () => {
  it('does not load express when it polls', async () => {
    const loaded = await packagesLoadedBy(`
      const { createTelegramBot } = await import('#bots/telegram/index');
      const { createLogger } = await import('#core');
      createTelegramBot({ chat: {} }, {
        config: { token: '1:a', mode: 'polling', apiRoot: 'http://127.0.0.1:9' },
        publicUrl: 'http://127.0.0.1:9',
        logger: createLogger({ level: 'silent' }),
      });
    `);
    expect(loaded.has('grammy')).toBe(true);
    expect(loaded.has('express')).toBe(false);
  });
});
