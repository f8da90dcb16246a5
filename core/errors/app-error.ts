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
  unknown_template: 404,
  unknown_model: 404,
  model_not_offered: 404,
  model_cannot_edit: 400,
  model_needs_image: 400,
  model_too_many_images: 400,
  model_aspect_unsupported: 400,
  model_duration_unsupported: 400,
  model_no_hd: 400,
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

/** A failure with a code a user can be told about. `vars` fill the localized message. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly vars: Readonly<Record<string, string | number>>;

  constructor(
    code: AppErrorCode,
    options: { vars?: Record<string, string | number>; cause?: unknown; message?: string } = {},
  ) {
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
