import { z } from 'zod';

/** The contact the published policy names; the default for SUPPORT_EMAIL. */
export const DEFAULT_SUPPORT_EMAIL = 'imagen2026@163.com';

/** Every role a process can take; `ROLES` picks a subset. */
export const ROLES = ['web', 'worker', 'telegram', 'discord'] as const;
export type Role = (typeof ROLES)[number];

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = (protocols: readonly string[], what: string) =>
  optionalText.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be ${what}` },
  );

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const httpUrl = optionalUrl(['http:', 'https:'], 'an http(s) URL');

const integerInRange = (fallback: number, min: number, max: number) =>
  optionalText
    .refine((value) => value === undefined || /^\d+$/.test(value), { message: 'must be a whole number' })
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .refine((value) => value >= min && value <= max, { message: `must be between ${min} and ${max}` });

const optionalIntegerInRange = (min: number, max: number) =>
  optionalText
    .refine((value) => value === undefined || /^\d+$/.test(value), { message: 'must be a whole number' })
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .refine((value) => value === undefined || (value >= min && value <= max), {
      message: `must be between ${min} and ${max}`,
    });

const booleanFlag = (fallback: boolean) =>
  optionalText
    .refine((value) => value === undefined || ['true', 'false', '1', '0', 'yes', 'no'].includes(value.toLowerCase()), {
      message: 'must be true or false',
    })
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value.toLowerCase())));

const emailList = optionalText
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine((items) => items.every((item) => z.email().safeParse(item).success), {
    message: 'must be a comma-separated list of emails',
  });

/**
 * The environment contract of every process. Each variable is documented in `.env.example` and
 * the README; `loadConfig` turns the parsed result into `AppConfig`.
 */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:'], 'a postgres:// or postgresql:// URL'),
  REDIS_URL: optionalUrl(['redis:', 'rediss:'], 'a redis:// or rediss:// URL'),
  DATA_DIR: optionalText.transform((value) => value ?? './.data'),
  PORT: integerInRange(3000, 0, 65535),
  HOST: optionalText.transform((value) => value ?? '0.0.0.0'),
  PUBLIC_URL: httpUrl,
  ROLES: optionalText
    .transform((value) =>
      value === undefined
        ? undefined
        : value
            .split(',')
            .map((role) => role.trim())
            .filter(Boolean),
    )
    .refine(
      (roles) =>
        roles === undefined || (roles.length > 0 && roles.every((role) => (ROLES as readonly string[]).includes(role))),
      {
        message: `must be a comma-separated list of ${ROLES.join(', ')}`,
      },
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TELEGRAM_BOT_TOKEN: optionalText.refine((value) => value === undefined || /^\d+:[\w-]{20,}$/.test(value), {
    message: 'must look like 123456:ABC-DEF... (from @BotFather)',
  }),
  TELEGRAM_API_ROOT: httpUrl.transform((value) => (value ?? 'https://api.telegram.org').replace(/\/+$/, '')),
  TELEGRAM_MODE: z.enum(['polling', 'webhook']).default('polling'),
  TELEGRAM_BOT_USERNAME: optionalText
    .transform((value) => value?.replace(/^@/, ''))
    .refine((value) => value === undefined || /^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(value), {
      message: "must be the bot's username (5-32 letters, digits and _), with or without @",
    }),
  TELEGRAM_WEBHOOK_SECRET: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(value), {
    message: 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -',
  }),

  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText.refine((value) => value === undefined || /^\d{5,25}$/.test(value), {
    message: 'must be the numeric application id',
  }),
  DISCORD_API_URL: httpUrl.transform((value) => (value ?? 'https://discord.com/api').replace(/\/+$/, '')),
  DISCORD_DEV_GUILD_ID: optionalText,

  STRIPE_SECRET_KEY: optionalText,
  STRIPE_WEBHOOK_SECRET: optionalText,
  STRIPE_API_BASE: httpUrl,

  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: httpUrl,
  OPENROUTER_API_KEY: optionalText,
  OPENROUTER_BASE_URL: httpUrl.transform((value) => value ?? 'https://openrouter.ai/api/v1'),
  GOOGLE_API_KEY: optionalText,
  GOOGLE_GENAI_BASE_URL: httpUrl,
  SDAPI_URLS: optionalText
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .refine((items) => items.every(isHttpUrl), {
      message: 'must be a comma-separated list of http(s) base URLs, e.g. http://user:password@gpu1:7860',
    }),
  SDAPI_CHECKPOINT: optionalText,
  SDAPI_UPSCALER: optionalText.transform((value) => value ?? 'R-ESRGAN 4x+'),
  COMFYUI_URLS: optionalText
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    )
    .refine(
      (urls) =>
        new Set(urls).size === urls.length &&
        urls.every((url) => {
          try {
            return ['http:', 'https:'].includes(new URL(url).protocol);
          } catch {
            return false;
          }
        }),
      { message: 'must be a comma-separated list of distinct http(s) URLs, e.g. http://gpu1:8188,http://gpu2:8188' },
    ),
  COMFYUI_WORKFLOW: optionalText,
  COMFYUI_EDIT_WORKFLOW: optionalText,
  COMFYUI_UPSCALE_WORKFLOW: optionalText,

  SMTP_URL: optionalUrl(['smtp:', 'smtps:'], 'an smtp:// or smtps:// URL'),
  MAIL_FROM: optionalText,
  GOOGLE_OAUTH_CLIENT_ID: optionalText,
  GOOGLE_OAUTH_CLIENT_SECRET: optionalText,
  GOOGLE_OIDC_ISSUER: httpUrl.transform((value) => value ?? 'https://accounts.google.com'),
  SESSION_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  SUPPORT_EMAIL: optionalText
    .transform((value) => value ?? DEFAULT_SUPPORT_EMAIL)
    .refine((value) => z.email().safeParse(value).success, { message: 'must be an email address' }),
  ADMIN_EMAILS: emailList,

  SIGNUP_CREDITS: integerInRange(10, 0, 1_000_000),
  PROMPT_MAX_LENGTH: integerInRange(1000, 10, 10_000),
  MODERATION_MODE: z.enum(['fail-closed', 'local-only']).default('fail-closed'),
  RETENTION_PROMPT_DAYS: integerInRange(90, 1, 3650),
  RETENTION_LOGIN_DAYS: integerInRange(30, 1, 3650),
  IMAGE_JOB_TIMEOUT_SECONDS: integerInRange(180, 5, 3600),
  VIDEO_JOB_TIMEOUT_SECONDS: integerInRange(900, 30, 7200),
  CHAT_HOLD_SECONDS: integerInRange(30, 0, 300),
  CHAT_HOLD_MAX_REQUESTS: integerInRange(500, 1, 100_000),
  DEMO_PROVIDER_LATENCY_MS: integerInRange(0, 0, 60_000),
  TRUST_PROXY: booleanFlag(false),
  /** Unset: 4, or enough to keep every self-hosted instance busy (see `defaultWorkerConcurrency`). */
  WORKER_CONCURRENCY: optionalIntegerInRange(1, 256),
  MODERATION_RULES_FILE: optionalText,
  MODELS_FILE: optionalText,
  PROVIDER_LIMITS: optionalText
    .transform((value, context) => {
      if (value === undefined) return {};
      try {
        return JSON.parse(value) as unknown;
      } catch {
        context.addIssue({
          code: 'custom',
          message: 'must be JSON, e.g. {"google":{"maxConcurrent":4,"requestsPerMinute":60}}',
        });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string(),
        z.strictObject({
          maxConcurrent: z.number().int().positive().optional(),
          requestsPerMinute: z.number().int().positive().optional(),
        }),
      ),
    ),
  GLOBAL_GENERATION_CONCURRENCY: integerInRange(64, 1, 10_000),
  PROVIDER_RETRY_BASE_MS: integerInRange(1_000, 10, 60_000),
  PROVIDER_RETRY_MAX_MS: integerInRange(20_000, 10, 600_000),
  PROVIDER_ATTEMPTS_PER_ROUTE: integerInRange(3, 1, 20),
  PROVIDER_BREAKER_FAILURES: integerInRange(5, 1, 1_000),
  PROVIDER_BREAKER_OPEN_SECONDS: integerInRange(15, 1, 3_600),
  PROVIDER_CALL_TIMEOUT_SECONDS: optionalText
    .refine((value) => value === undefined || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 3_600), {
      message: 'must be a whole number of seconds between 1 and 3600',
    })
    .transform((value) => (value === undefined ? undefined : Number(value))),
  METRICS_TOKEN: optionalText,
  METRICS_PORT: optionalText
    .refine((value) => value === undefined || (/^\d+$/.test(value) && Number(value) > 0 && Number(value) < 65536), {
      message: 'must be a port number',
    })
    .transform((value) => (value === undefined ? undefined : Number(value))),
  METRICS_HOST: optionalText.transform((value) => value ?? '127.0.0.1'),
  AUTO_MIGRATE: booleanFlag(true),
  SHUTDOWN_TIMEOUT_SECONDS: integerInRange(30, 1, 600),

  S3_BUCKET: optionalText.refine((value) => value === undefined || /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value), {
    message: 'must be a bucket name: 3-63 lowercase letters, digits, dots and dashes',
  }),
  S3_ENDPOINT: optionalUrl(
    ['http:', 'https:'],
    'an http(s) URL, e.g. http://minio:9000 or https://<account>.r2.cloudflarestorage.com',
  ).transform((value) => value?.replace(/\/+$/, '')),
  S3_REGION: optionalText
    .refine((value) => value === undefined || /^[a-z0-9-]{1,32}$/.test(value), {
      message: 'must be a region name such as us-east-1 (auto for R2)',
    })
    .transform((value) => value ?? 'us-east-1'),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_FORCE_PATH_STYLE: optionalText
    .refine((value) => value === undefined || ['true', 'false', '1', '0', 'yes', 'no'].includes(value.toLowerCase()), {
      message: 'must be true or false',
    })
    .transform((value) => (value === undefined ? undefined : ['true', '1', 'yes'].includes(value.toLowerCase()))),
});

/** The raw, validated environment. */
export type Env = z.infer<typeof EnvSchema>;
