import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelsFile, type ModelDefinition } from '#core/models/model-definition';
import { EnvSchema, ROLES, type Env, type Role } from '#core/config/config-schema';

/** The validated configuration of one process, built once at start-up. */
export type AppConfig = {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  /** Absolute path; embedded database, media and outbox live under it. */
  dataDir: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | undefined;
  port: number;
  host: string;
  publicUrl: string;
  roles: readonly Role[];
  logLevel: Env['LOG_LEVEL'];
  telegram:
    | { token: string; apiRoot: string; mode: Env['TELEGRAM_MODE']; webhookSecret: string | undefined }
    | undefined;
  /** The Telegram bot's username, for `t.me` invite links; without it invite links lead to the web. */
  telegramBotUsername: string | undefined;
  discord: { token: string; applicationId: string; apiUrl: string; devGuildId: string | undefined } | undefined;
  stripe: { secretKey: string; webhookSecret: string | undefined; apiBase: string | undefined } | undefined;
  providers: {
    openai: { apiKey: string; baseUrl: string | undefined } | undefined;
    openrouter: { apiKey: string; baseUrl: string } | undefined;
    google: { apiKey: string; baseUrl: string | undefined } | undefined;
    /** AUTOMATIC1111-compatible servers (A1111 `--api`, Forge, SD.Next), from SDAPI_URLS; see `createSdApiImageProvider`. */
    sdapi: SdApiConfig | undefined;
    /**
     * Self-hosted ComfyUI instances and the workflow files (API format) of its one model; unset
     * workflows are the repository's (SDXL, and RealESRGAN for upscales); `editWorkflow` null
     * (COMFYUI_EDIT_WORKFLOW=none) turns edits off.
     */
    comfyui:
      | {
          urls: readonly string[];
          workflow: string | undefined;
          editWorkflow: string | null | undefined;
          upscaleWorkflow: string | undefined;
        }
      | undefined;
    demoLatencyMs: number;
  };
  mail: { smtpUrl: string | undefined; from: string };
  googleOAuth: { clientId: string; clientSecret: string; issuer: string } | undefined;
  sessionSecret: string;
  supportEmail: string;
  adminEmails: readonly string[];
  signupCredits: number;
  promptMaxLength: number;
  moderationMode: Env['MODERATION_MODE'];
  retention: { promptDays: number; loginDays: number };
  jobTimeouts: { imageSeconds: number; videoSeconds: number };
  trustProxy: boolean;
  /** Jobs at once per worker process: WORKER_CONCURRENCY, else {@link defaultWorkerConcurrency}. */
  workerConcurrency: number;
  /** A JSON file that extends or replaces the local moderation lists. */
  moderationRulesFile: string | undefined;
  /** The models of `MODELS_FILE` (default `core/models/models.default.json`), in file order. */
  models: readonly ModelDefinition[];
  /** Per-provider limits across all processes; providers not listed get 4 at once and 60 per minute. */
  providerLimits: Record<string, { maxConcurrent?: number | undefined; requestsPerMinute?: number | undefined }>;
  /** Provider calls at once across the whole deployment. */
  globalGenerationConcurrency: number;
  /** How transient provider failures are retried and when a failing provider is skipped (see `RetrySettings`). */
  providerRetry: {
    baseDelayMs: number;
    maxDelayMs: number;
    attemptsPerRoute: number;
    breakerFailures: number;
    breakerOpenMs: number;
  };
  /** Time-out of one provider request (each image call, each video start or poll); unset: each adapter's own (60-150 s). */
  providerCallTimeoutMs: number | undefined;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** When set, `/metrics` is served on this port (any role) and no longer by the web app. */
  metricsPort: number | undefined;
  /** The address the `METRICS_PORT` listener binds; loopback by default. */
  metricsHost: string;
  /** Risky but allowed settings, logged as warnings at start-up. */
  warnings: readonly string[];
  /** Apply pending migrations at start-up (always on for the embedded database). */
  autoMigrate: boolean;
  shutdownTimeoutMs: number;
  /** Where media files live: `DATA_DIR/media`, or a bucket of an S3-compatible store when S3_BUCKET is set. */
  media: MediaConfig;
  /**
   * Generation requests that arrive while the database is unreachable are held this long at most
   * (0: not held), at most `maxRequests` of them across the deployment, and admitted once it answers.
   */
  chatHold: { seconds: number; maxRequests: number };
};

/** One AUTOMATIC1111-compatible server: its base URL without credentials, and the basic-auth header the URL carried. */
export type SdApiServer = { baseUrl: string; authorization: string | undefined };

/** The Stable Diffusion servers of SDAPI_URLS and the defaults their models use until a models file names others. */
export type SdApiConfig = {
  servers: readonly SdApiServer[];
  /** `override_settings.sd_model_checkpoint`; unset: whatever the server has loaded. */
  checkpoint: string | undefined;
  /** `upscaler_1` of upscales. */
  upscaler: string;
};

/** The media store's settings; see `createMediaStore`. */
export type MediaConfig =
  | { kind: 'local'; rootDir: string }
  | {
      kind: 's3';
      bucket: string;
      /** An S3-compatible store's URL (MinIO, Garage, R2); undefined for AWS S3 itself. */
      endpoint: string | undefined;
      region: string;
      /** `endpoint/bucket/key` instead of `bucket.endpoint/key`; the default with an endpoint. */
      forcePathStyle: boolean;
      /** Undefined: the AWS SDK's default credential chain (AWS_* variables, profiles, instance and container roles). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

/** Start-up failure listing every invalid variable by name. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses the environment once. Throws `ConfigError` naming every bad variable, so an operator
 * fixes them all in one go. The only place in the product that reads `process.env`.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    // The models file's problems too, so one start-up names them all.
    readModels(source.MODELS_FILE?.trim() || undefined, problems);
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const problems: string[] = [];
  const isProduction = env.NODE_ENV === 'production';
  const dataDir = path.resolve(env.DATA_DIR);

  if (env.TELEGRAM_MODE === 'webhook' && env.TELEGRAM_BOT_TOKEN && !env.TELEGRAM_WEBHOOK_SECRET) {
    problems.push('TELEGRAM_WEBHOOK_SECRET: is required when TELEGRAM_MODE=webhook');
  }
  if (env.TELEGRAM_MODE === 'webhook' && env.TELEGRAM_BOT_TOKEN && !env.PUBLIC_URL) {
    problems.push('PUBLIC_URL: is required when TELEGRAM_MODE=webhook (Telegram must reach it)');
  }
  if (Boolean(env.DISCORD_TOKEN) !== Boolean(env.DISCORD_APPLICATION_ID)) {
    problems.push('DISCORD_TOKEN / DISCORD_APPLICATION_ID: set both or neither');
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET && isProduction) {
    problems.push('STRIPE_WEBHOOK_SECRET: is required in production when STRIPE_SECRET_KEY is set');
  }
  if (Boolean(env.GOOGLE_OAUTH_CLIENT_ID) !== Boolean(env.GOOGLE_OAUTH_CLIENT_SECRET)) {
    problems.push('GOOGLE_OAUTH_CLIENT_ID / GOOGLE_OAUTH_CLIENT_SECRET: set both or neither');
  }
  if (isProduction && !env.SESSION_SECRET) {
    problems.push('SESSION_SECRET: is required in production (at least 32 characters)');
  }
  if (isProduction && !env.PUBLIC_URL) {
    problems.push('PUBLIC_URL: is required in production (links in chats and emails point at it)');
  } else if (
    isProduction &&
    env.PUBLIC_URL &&
    !env.PUBLIC_URL.startsWith('https://') &&
    !['localhost', '127.0.0.1'].includes(new URL(env.PUBLIC_URL).hostname)
  ) {
    problems.push('PUBLIC_URL: must be https:// in production (the privacy policy promises encrypted connections)');
  }

  const configuredRoles: Role[] = ['web', 'worker'];
  if (env.TELEGRAM_BOT_TOKEN) configuredRoles.push('telegram');
  if (env.DISCORD_TOKEN) configuredRoles.push('discord');
  const roles = (env.ROLES as Role[] | undefined) ?? configuredRoles;
  if (roles.includes('telegram') && !env.TELEGRAM_BOT_TOKEN) problems.push('ROLES: telegram needs TELEGRAM_BOT_TOKEN');
  if (roles.includes('discord') && !env.DISCORD_TOKEN)
    problems.push('ROLES: discord needs DISCORD_TOKEN and DISCORD_APPLICATION_ID');
  if (roles.length > 1 && !env.REDIS_URL && !roles.includes('worker') && !env.DATABASE_URL) {
    problems.push('ROLES: without REDIS_URL and DATABASE_URL a process must include the worker role');
  }
  const warnings: string[] = [];
  if (isProduction && !env.METRICS_TOKEN) {
    if (env.METRICS_PORT !== undefined && !isLoopback(env.METRICS_HOST)) {
      problems.push(
        `METRICS_TOKEN: is required in production when /metrics listens on METRICS_HOST=${env.METRICS_HOST}, which is not a loopback address`,
      );
    } else if (env.METRICS_PORT === undefined && roles.includes('web')) {
      problems.push(
        'METRICS_TOKEN: is required in production (/metrics names providers, queue depth and revenue), unless METRICS_PORT serves it on 127.0.0.1 only',
      );
    }
  }
  if (!isProduction && !env.SESSION_SECRET && !isLoopback(env.HOST)) {
    warnings.push(
      `HOST=${env.HOST} listens beyond this machine while SESSION_SECRET is the development value anyone can read in the source: sessions and media links can be forged. Set SESSION_SECRET, or HOST=127.0.0.1.`,
    );
  }

  const s3Settings = (['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter(
    (name) => env[name] !== undefined,
  );
  if (!env.S3_BUCKET && s3Settings.length > 0) {
    problems.push(
      `S3_BUCKET: is required when ${s3Settings.join(', ')} ${s3Settings.length > 1 ? 'are' : 'is'} set (media stay on the local disk without it)`,
    );
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    problems.push(
      'S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: set both or neither (neither: the AWS SDK’s default credential chain)',
    );
  }

  const models = readModels(env.MODELS_FILE, problems);
  if (
    env.COMFYUI_URLS.length === 0 &&
    (env.COMFYUI_WORKFLOW || env.COMFYUI_EDIT_WORKFLOW || env.COMFYUI_UPSCALE_WORKFLOW)
  ) {
    problems.push(
      'COMFYUI_WORKFLOW / COMFYUI_EDIT_WORKFLOW / COMFYUI_UPSCALE_WORKFLOW: need COMFYUI_URLS (the instances that run them)',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: env.NODE_ENV,
    isProduction,
    dataDir,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    redisUrl: env.REDIS_URL,
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    roles: ROLES.filter((role) => roles.includes(role)),
    logLevel: env.LOG_LEVEL,
    telegram: env.TELEGRAM_BOT_TOKEN
      ? {
          token: env.TELEGRAM_BOT_TOKEN,
          apiRoot: env.TELEGRAM_API_ROOT,
          mode: env.TELEGRAM_MODE,
          webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
        }
      : undefined,
    telegramBotUsername: env.TELEGRAM_BOT_USERNAME,
    discord:
      env.DISCORD_TOKEN && env.DISCORD_APPLICATION_ID
        ? {
            token: env.DISCORD_TOKEN,
            applicationId: env.DISCORD_APPLICATION_ID,
            apiUrl: env.DISCORD_API_URL,
            devGuildId: env.DISCORD_DEV_GUILD_ID,
          }
        : undefined,
    stripe: env.STRIPE_SECRET_KEY
      ? { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiBase: env.STRIPE_API_BASE }
      : undefined,
    providers: {
      openai: env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL } : undefined,
      openrouter: env.OPENROUTER_API_KEY
        ? { apiKey: env.OPENROUTER_API_KEY, baseUrl: env.OPENROUTER_BASE_URL }
        : undefined,
      google: env.GOOGLE_API_KEY ? { apiKey: env.GOOGLE_API_KEY, baseUrl: env.GOOGLE_GENAI_BASE_URL } : undefined,
      sdapi:
        env.SDAPI_URLS.length > 0
          ? {
              servers: env.SDAPI_URLS.map(readSdApiServer),
              checkpoint: env.SDAPI_CHECKPOINT,
              upscaler: env.SDAPI_UPSCALER,
            }
          : undefined,
      comfyui:
        env.COMFYUI_URLS.length > 0
          ? {
              urls: env.COMFYUI_URLS,
              workflow: env.COMFYUI_WORKFLOW && path.resolve(env.COMFYUI_WORKFLOW),
              editWorkflow:
                env.COMFYUI_EDIT_WORKFLOW === 'none'
                  ? null
                  : env.COMFYUI_EDIT_WORKFLOW && path.resolve(env.COMFYUI_EDIT_WORKFLOW),
              upscaleWorkflow: env.COMFYUI_UPSCALE_WORKFLOW && path.resolve(env.COMFYUI_UPSCALE_WORKFLOW),
            }
          : undefined,
      demoLatencyMs: env.DEMO_PROVIDER_LATENCY_MS,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM ?? `Imagine <no-reply@${hostOf(env.PUBLIC_URL) ?? 'localhost'}>`,
    },
    googleOAuth:
      env.GOOGLE_OAUTH_CLIENT_ID && env.GOOGLE_OAUTH_CLIENT_SECRET
        ? {
            clientId: env.GOOGLE_OAUTH_CLIENT_ID,
            clientSecret: env.GOOGLE_OAUTH_CLIENT_SECRET,
            issuer: env.GOOGLE_OIDC_ISSUER,
          }
        : undefined,
    sessionSecret: env.SESSION_SECRET ?? 'embedded-development-secret-not-for-production!!',
    supportEmail: env.SUPPORT_EMAIL,
    adminEmails: env.ADMIN_EMAILS,
    signupCredits: env.SIGNUP_CREDITS,
    promptMaxLength: env.PROMPT_MAX_LENGTH,
    moderationMode: env.MODERATION_MODE,
    retention: { promptDays: env.RETENTION_PROMPT_DAYS, loginDays: env.RETENTION_LOGIN_DAYS },
    jobTimeouts: { imageSeconds: env.IMAGE_JOB_TIMEOUT_SECONDS, videoSeconds: env.VIDEO_JOB_TIMEOUT_SECONDS },
    trustProxy: env.TRUST_PROXY,
    workerConcurrency:
      env.WORKER_CONCURRENCY ?? defaultWorkerConcurrency(env.SDAPI_URLS.length + env.COMFYUI_URLS.length),
    moderationRulesFile: env.MODERATION_RULES_FILE,
    models,
    providerLimits: env.PROVIDER_LIMITS,
    globalGenerationConcurrency: env.GLOBAL_GENERATION_CONCURRENCY,
    providerRetry: {
      baseDelayMs: env.PROVIDER_RETRY_BASE_MS,
      maxDelayMs: env.PROVIDER_RETRY_MAX_MS,
      attemptsPerRoute: env.PROVIDER_ATTEMPTS_PER_ROUTE,
      breakerFailures: env.PROVIDER_BREAKER_FAILURES,
      breakerOpenMs: env.PROVIDER_BREAKER_OPEN_SECONDS * 1000,
    },
    providerCallTimeoutMs:
      env.PROVIDER_CALL_TIMEOUT_SECONDS === undefined ? undefined : env.PROVIDER_CALL_TIMEOUT_SECONDS * 1000,
    metricsToken: env.METRICS_TOKEN,
    metricsPort: env.METRICS_PORT,
    metricsHost: env.METRICS_HOST,
    warnings,
    autoMigrate: env.AUTO_MIGRATE,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    media: env.S3_BUCKET
      ? {
          kind: 's3',
          bucket: env.S3_BUCKET,
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined,
          credentials:
            env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
              : undefined,
        }
      : { kind: 'local', rootDir: path.join(dataDir, 'media') },
    chatHold: { seconds: env.CHAT_HOLD_SECONDS, maxRequests: env.CHAT_HOLD_MAX_REQUESTS },
  };
}

/** The models file shipped with the code: today's providers, models, prices and fallback order. */
const DEFAULT_MODELS_FILE = fileURLToPath(new URL('../models/models.default.json', import.meta.url));

/** Reads and validates the models file once; each problem is added to `problems` as `MODELS_FILE: …`. */
function readModels(file: string | undefined, problems: string[]): ModelDefinition[] {
  const where = file ?? DEFAULT_MODELS_FILE;
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (error) {
    problems.push(`MODELS_FILE: cannot read ${where} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return [];
  }
  const parsed = parseModelsFile(text);
  if ('problems' in parsed) {
    problems.push(...parsed.problems.map((problem) => `MODELS_FILE ${path.basename(where)}: ${problem}`));
    return [];
  }
  return parsed.models;
}

/** Splits the credentials off a server URL into a basic-auth header, so the URL can be logged and the password cannot. */
function readSdApiServer(value: string): SdApiServer {
  const url = new URL(value);
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  url.username = '';
  url.password = '';
  return { baseUrl: url.toString().replace(/\/+$/, ''), authorization };
}

/** Whether a listen address reaches this machine only (127.0.0.0/8, ::1, localhost). */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

function hostOf(url: string | undefined): string | undefined {
  return url ? new URL(url).hostname : undefined;
}

const DEFAULT_WORKER_CONCURRENCY = 4;

/**
 * Jobs one worker process takes at once when WORKER_CONCURRENCY is unset: 4, or with `instances`
 * self-hosted instances (SDAPI_URLS and COMFYUI_URLS, each running one job at a time) twice as
 * many plus two, so that one worker alone keeps every instance busy: a job on each, the next one
 * already waiting for it, and a few storing and delivering their results. Jobs waiting for an
 * instance cost a promise each; a worker with fewer would leave instances idle between jobs.
 */
export function defaultWorkerConcurrency(instances: number): number {
  return Math.max(DEFAULT_WORKER_CONCURRENCY, 2 * instances + 2);
}
