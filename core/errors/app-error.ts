import type { MessageKey } from '#core/i18n/catalog';
import type { MessageVars } from '#core/i18n/message-types';

/**
 * Every failure core reports to a user or a client, as one documented union. Each code has a
 * localized message `errors.<code>` in the i18n catalogs and an HTTP status for the web.
 */
export const APP_ERROR_STATUS = {
  invalid_input: 400,
  prompt_empty: 400,
  prompt_too_long: 400,
  unknown_option: 400,
  invalid_option: 400,
  unknown_template: 400,
  unknown_model: 400,
  model_not_offered: 400,
  model_cannot_edit: 400,
  model_needs_image: 400,
  model_too_many_images: 400,
  model_aspect_unsupported: 400,
  model_duration_unsupported: 400,
  model_no_hd: 400,
  model_no_negative_prompt: 400,
  model_no_seed: 400,
  unknown_command: 400,
  unknown_product: 404,
  terms_required: 403,
  account_suspended: 403,
  account_deleted: 403,
  processing_restricted: 403,
  insufficient_credits: 402,
  credit_debt: 402,
  content_blocked: 422,
  content_blocked_suspended: 422,
  appeal_empty: 400,
  appeal_too_long: 400,
  appeal_not_suspended: 409,
  appeal_already_open: 409,
  appeal_already_decided: 409,
  image_invalid: 400,
  rate_limited: 429,
  too_many_jobs: 429,
  job_not_found: 404,
  not_job_owner: 403,
  job_not_cancellable: 409,
  picture_gone: 410,
  upscale_unavailable: 503,
  vary_unavailable: 503,
  provider_unavailable: 503,
  moderation_unavailable: 503,
  generation_timeout: 504,
  payments_unavailable: 503,
  token_invalid: 400,
  not_found: 404,
  forbidden: 403,
  unauthenticated: 401,
  conflict: 409,
  email_taken: 409,
  invalid_credentials: 401,
  login_throttled: 429,
  private_chat_only: 403,
  internal: 500,
} as const;

/** The documented error codes. */
export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

type Vars = Record<string, string | number>;
type ErrorOptions<V> = { vars?: V; cause?: unknown; message?: string };

/** What the message `errors.<code>` names, less `support`, which every error boundary fills in. */
type ErrorVars<C extends AppErrorCode> = `errors.${C}` extends MessageKey
  ? Omit<MessageVars[`errors.${C}`], 'support'>
  : Record<never, never>;

/**
 * The options of `new AppError(code, …)`: for a literal code, `vars` must hold what its message
 * names (the typecheck says which are missing); any for a code known only at run time.
 */
type AppErrorArguments<C extends AppErrorCode> = [AppErrorCode] extends [C]
  ? [options?: ErrorOptions<Vars>]
  : Record<never, never> extends ErrorVars<C>
    ? [options?: ErrorOptions<ErrorVars<C> & Vars>]
    : [options: ErrorOptions<ErrorVars<C> & Vars> & { vars: ErrorVars<C> & Vars }];

/** A failure with a code a user can be told about. `vars` fill the localized message. */
export class AppError<C extends AppErrorCode = AppErrorCode> extends Error {
  readonly code: C;
  readonly vars: Readonly<Vars>;

  constructor(code: C, ...[options = {}]: AppErrorArguments<C>) {
    super(options.message ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.vars = options.vars ?? {};
  }

  /** The HTTP status the web answers this error with. */
  get status(): number {
    return APP_ERROR_STATUS[this.code];
  }
}

/** Whether `value` is an `AppError` (also across module copies). */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError || (value instanceof Error && value.name === 'AppError' && 'code' in value);
}
