import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#core/config/load-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs embedded with no environment at all', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.resolve('.data/pglite') });
    expect(config.redisUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.roles).toEqual(['web', 'worker']);
    expect(config.supportEmail).toBe('imagen2026@163.com');
    expect(config.signupCredits).toBe(10);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.telegram).toBeUndefined();
  });

  it('lists every bad variable by name at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DATABASE_URL: 'nonsense',
      REDIS_URL: 'http://x',
      LOG_LEVEL: 'loud',
      ROLES: 'web,painter',
      SUPPORT_EMAIL: 'nope',
    });
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'REDIS_URL',
      'ROLES',
      'SUPPORT_EMAIL',
    ]);
  });

  it('retries providers with sensible defaults an operator can tune, and rejects nonsense', () => {
    expect(loadConfig({}).providerRetry).toEqual({
      baseDelayMs: 1_000,
      maxDelayMs: 20_000,
      attemptsPerRoute: 3,
      breakerFailures: 5,
      breakerOpenMs: 15_000,
    });
    expect(
      loadConfig({ PROVIDER_RETRY_BASE_MS: '500', PROVIDER_BREAKER_OPEN_SECONDS: '60' }).providerRetry,
    ).toMatchObject({ baseDelayMs: 500, breakerOpenMs: 60_000 });
    expect(problemsOf({ PROVIDER_ATTEMPTS_PER_ROUTE: '0', PROVIDER_RETRY_MAX_MS: 'soon' }).sort()).toEqual([
      'PROVIDER_ATTEMPTS_PER_ROUTE: must be between 1 and 20',
      'PROVIDER_RETRY_MAX_MS: must be a whole number',
    ]);
  });

  it('rejects ports out of range and a malformed bot token', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT: must be between 0 and 65535']);
    expect(problemsOf({ TELEGRAM_BOT_TOKEN: 'abc' })[0]).toMatch(/^TELEGRAM_BOT_TOKEN:/);
  });

  it('checks combinations: webhook mode, half-set pairs, production secrets', () => {
    const token = '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345';
    expect(problemsOf({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: 'webhook' })).toEqual([
      'TELEGRAM_WEBHOOK_SECRET: is required when TELEGRAM_MODE=webhook',
      'PUBLIC_URL: is required when TELEGRAM_MODE=webhook (Telegram must reach it)',
    ]);
    expect(problemsOf({ DISCORD_TOKEN: 'x' })).toEqual(['DISCORD_TOKEN / DISCORD_APPLICATION_ID: set both or neither']);
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'SESSION_SECRET: is required in production (at least 32 characters)',
      'PUBLIC_URL: is required in production (links in chats and emails point at it)',
      'METRICS_TOKEN: is required in production (/metrics names providers, queue depth and revenue), unless METRICS_PORT serves it on 127.0.0.1 only',
    ]);
    expect(problemsOf({ ROLES: 'telegram' })).toContain('ROLES: telegram needs TELEGRAM_BOT_TOKEN');
    const secret = 'x'.repeat(32);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        PUBLIC_URL: 'http://imagine.example.com',
        METRICS_TOKEN: 'scrape',
      }),
    ).toEqual(['PUBLIC_URL: must be https:// in production (the privacy policy promises encrypted connections)']);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        PUBLIC_URL: 'https://imagine.example.com',
        METRICS_TOKEN: 'scrape',
      }),
    ).toEqual([]);
  });

  it('production keeps /metrics private: a METRICS_TOKEN, or a METRICS_PORT on loopback only', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      PUBLIC_URL: 'https://imagine.example.com',
      DATABASE_URL: 'postgresql://db/x',
      REDIS_URL: 'redis://r:6379',
    };
    const onWebPort =
      'METRICS_TOKEN: is required in production (/metrics names providers, queue depth and revenue), unless METRICS_PORT serves it on 127.0.0.1 only';
    expect(problemsOf(production)).toEqual([onWebPort]);
    expect(
      problemsOf({ ...production, HOST: '127.0.0.1' }),
      'a proxy in front of a loopback web port still publishes /metrics',
    ).toEqual([onWebPort]);
    expect(problemsOf({ ...production, METRICS_TOKEN: 'scrape-secret' })).toEqual([]);
    expect(problemsOf({ ...production, METRICS_PORT: '9100' })).toEqual([]);
    expect(loadConfig({ ...production, METRICS_PORT: '9100' })).toMatchObject({
      metricsPort: 9100,
      metricsHost: '127.0.0.1',
    });
    expect(problemsOf({ ...production, METRICS_PORT: '9100', METRICS_HOST: '::1' })).toEqual([]);
    for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
      expect(problemsOf({ ...production, METRICS_PORT: '9100', METRICS_HOST: host })).toEqual([
        `METRICS_TOKEN: is required in production when /metrics listens on METRICS_HOST=${host}, which is not a loopback address`,
      ]);
    }
    expect(
      problemsOf({ ...production, METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 'scrape-secret' }),
    ).toEqual([]);
    expect(
      problemsOf({ ...production, ROLES: 'worker' }),
      'no web role and no METRICS_PORT: there is no /metrics',
    ).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'development' })).toEqual([]);
  });

  it('warns when a development start listens beyond this machine with the development SESSION_SECRET', () => {
    const warning =
      'HOST=0.0.0.0 listens beyond this machine while SESSION_SECRET is the development value anyone can read in the source: sessions and media links can be forged. Set SESSION_SECRET, or HOST=127.0.0.1.';
    expect(loadConfig({}).warnings).toEqual([warning]);
    expect(loadConfig({ HOST: '192.168.1.20' }).warnings).toEqual([warning.replace('0.0.0.0', '192.168.1.20')]);
    expect(loadConfig({ HOST: '127.0.0.1' }).warnings).toEqual([]);
    expect(loadConfig({ HOST: '::1' }).warnings).toEqual([]);
    expect(loadConfig({ HOST: 'localhost' }).warnings).toEqual([]);
    expect(loadConfig({ SESSION_SECRET: 'y'.repeat(32) }).warnings).toEqual([]);
  });

  it('turns on the roles of configured bots and honours ROLES', () => {
    const token = '123456:ABCdefGhIJKlmNoPQRsTUVwxyZ12345';
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: token }).roles).toEqual(['web', 'worker', 'telegram']);
    expect(
      loadConfig({
        TELEGRAM_BOT_TOKEN: token,
        ROLES: 'worker',
        DATABASE_URL: 'postgresql://db/x',
        REDIS_URL: 'redis://r:6379',
      }).roles,
    ).toEqual(['worker']);
    expect(loadConfig({ TELEGRAM_API_ROOT: 'http://127.0.0.1:9999/' }).telegram).toBeUndefined();
  });

  it('treats empty values as unset, as .env files write them', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '', STRIPE_SECRET_KEY: '  ' });
    expect(config.database.kind).toBe('pglite');
    expect(config.port).toBe(3000);
    expect(config.stripe).toBeUndefined();
  });

  it('takes enough jobs per worker to keep every self-hosted instance busy unless WORKER_CONCURRENCY says otherwise', () => {
    expect(loadConfig({}).workerConcurrency).toBe(4);
    expect(loadConfig({ SDAPI_URLS: 'http://a:1' }).workerConcurrency).toBe(4);
    expect(loadConfig({ SDAPI_URLS: 'http://a:1,http://b:1,http://c:1' }).workerConcurrency).toBe(8);
    expect(
      loadConfig({ SDAPI_URLS: 'http://a:1,http://b:1,http://c:1', COMFYUI_URLS: 'http://d:1,http://e:1' })
        .workerConcurrency,
    ).toBe(12);
    expect(
      loadConfig({ SDAPI_URLS: 'http://a:1,http://b:1,http://c:1', WORKER_CONCURRENCY: '2' }).workerConcurrency,
    ).toBe(2);
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
  });

  it('reads SDAPI_URLS: credentials become a basic-auth header and leave the URL', () => {
    const config = loadConfig({ SDAPI_URLS: ' http://painter:p%40ss@gpu1:7860/ , https://gpu2.example/sd ' });
    expect(config.providers.sdapi).toEqual({
      servers: [
        { baseUrl: 'http://gpu1:7860', authorization: `Basic ${Buffer.from('painter:p@ss').toString('base64')}` },
        { baseUrl: 'https://gpu2.example/sd', authorization: undefined },
      ],
      checkpoint: undefined,
      upscaler: 'R-ESRGAN 4x+',
    });
    expect(JSON.stringify(config.providers.sdapi)).not.toContain('p@ss');
    expect(loadConfig({}).providers.sdapi).toBeUndefined();
    expect(
      loadConfig({ SDAPI_URLS: 'http://a:1', SDAPI_UPSCALER: 'None', SDAPI_CHECKPOINT: 'x' }).providers.sdapi,
    ).toMatchObject({ checkpoint: 'x', upscaler: 'None' });
    expect(() => loadConfig({ SDAPI_URLS: 'http://gpu1:7860,gpu2:7860' })).toThrow(
      /SDAPI_URLS: must be a comma-separated/,
    );
  });

  it('reads ComfyUI instances and workflow files, and refuses bad URL lists and workflows without instances', () => {
    expect(loadConfig({}).providers.comfyui).toBeUndefined();
    expect(
      loadConfig({
        COMFYUI_URLS: ' http://gpu1:8188/ , https://user:pw@gpu2.example ',
        COMFYUI_WORKFLOW: 'flows/txt.json',
        COMFYUI_EDIT_WORKFLOW: 'none',
        COMFYUI_UPSCALE_WORKFLOW: 'flows/up.json',
      }).providers.comfyui,
    ).toEqual({
      urls: ['http://gpu1:8188', 'https://user:pw@gpu2.example'],
      workflow: path.resolve('flows/txt.json'),
      editWorkflow: null,
      upscaleWorkflow: path.resolve('flows/up.json'),
    });
    expect(loadConfig({ COMFYUI_URLS: 'http://gpu1:8188' }).providers.comfyui).toMatchObject({
      workflow: undefined,
      editWorkflow: undefined,
      upscaleWorkflow: undefined,
    });
    expect(problemsOf({ COMFYUI_URLS: 'gpu1:8188' })[0]).toMatch(/^COMFYUI_URLS: must be a comma-separated list/);
    expect(problemsOf({ COMFYUI_URLS: 'http://a:1,http://a:1' })[0]).toMatch(/^COMFYUI_URLS:/);
    for (const name of ['COMFYUI_WORKFLOW', 'COMFYUI_UPSCALE_WORKFLOW']) {
      expect(problemsOf({ [name]: 'x.json' })).toEqual([
        'COMFYUI_WORKFLOW / COMFYUI_EDIT_WORKFLOW / COMFYUI_UPSCALE_WORKFLOW: need COMFYUI_URLS (the instances that run them)',
      ]);
    }
  });
});
