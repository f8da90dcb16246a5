/**
 * Core's public entry: the only module bots/, web/ and entry points import. Everything here is
 * platform-neutral; adapters translate updates into `CommandRequest`s and `Reply`s into calls.
 */
export { loadConfig, ConfigError, type AppConfig } from '#core/config/load-config';
export { ROLES, type Role } from '#core/config/config-schema';
export { planName } from '#core/catalog/plan-name';
export { createLogger, redactText, type Logger } from '#core/infra/logger';
export { buildCoreDeps, type CoreDepsOverrides, type Runtime } from '#core/infra/open-runtime';
export { TELEGRAM_SEND_LIMIT } from '#core/infra/build-limits';
export { createCore, type Core } from '#core/create-core';
export type { CoreDeps } from '#core/core-deps';

export {
  COMMAND_NAMES,
  ACTION_NAMES,
  ONE_TIME_ACTIONS,
  encodeAction,
  decodeAction,
  type CommandName,
  type ActionName,
  type CommandRequest,
  type InputAttachment,
} from '#core/chat/command-request';
export type { Reply, Text, Button, MediaItem } from '#core/chat/reply';
export { isFollowUpQuestion } from '#core/generation/follow-up-buttons';
export { ChatUnreachableError, type Notifier, type NotifierRegistry } from '#core/chat/notifier';
export { createLazyNotifier } from '#core/chat/lazy-notifier';
export type { DeliveryTarget } from '#core/generation/delivery-target';
export {
  translate,
  catalogOf,
  isMessageKey,
  type MessageKey,
  type VarsArgument,
  type Catalog,
} from '#core/i18n/catalog';
export { LOCALES, LOCALE_NAMES, isLocale, matchLocale, normalizeLocale, type Locale } from '#core/i18n/locales';
export { dateFormatOf, formatDate, formatMoney } from '#core/i18n/format';
export { AppError, isAppError, APP_ERROR_STATUS, type AppErrorCode } from '#core/errors/app-error';
export { TERMS_VERSION, MINIMUM_AGE } from '#core/legal/terms-version';
export type { Clock } from '#core/infra/clock';
export type { StarsRefunds } from '#core/payments/refund-stars-payment';
export { STARS_CURRENCY } from '#core/payments/stars-payment';
export type { SessionUser, WebSessionData } from '#core/accounts/web-session';
export type { FoundWebSession } from '#core/accounts/find-web-session';
export type { RequestOrigin } from '#core/accounts/record-security-event';
export type { AccountOverview } from '#core/accounts/get-account-overview';
export type { FeaturedPicture } from '#core/showcase/showcase-pictures';
export type { ImagePrice } from '#core/showcase/quote-image-price';
export type { LinkRequest, WebLinkOutcome } from '#core/accounts/link-chat-account';
export type { RemoveIdentityOutcome } from '#core/accounts/remove-identity';
export type { GoogleSignIn, PendingGoogleSignIn } from '#core/accounts/google-sign-in';
export { GOOGLE_CALLBACK_PATH } from '#core/accounts/google-sign-in';
export { MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH } from '#core/accounts/password-hash';
export type { PriceTag, Pricing } from '#core/payments/stripe-pricing';
export { listOfferedModels, type OfferedModel } from '#core/models/list-offered-models';
export type { CheckoutProduct } from '#core/payments/stripe-checkout';
export type { WebhookOutcome } from '#core/payments/stripe-webhook';
export type { ExportArchive } from '#core/privacy/build-export-archive';
export type { DataRequestLine } from '#core/privacy/list-data-requests';
export type { DataRequestResult } from '#core/privacy/fulfil-data-request';
export { EMAIL_REQUEST_KINDS, type EmailRequestKind } from '#core/privacy/file-data-request';
export { ERASE_PHRASES } from '#core/privacy/erase-own-account';
export type { RetentionReport } from '#core/retention/run-retention';
export { BONUS_MARK_RETENTION_YEARS } from '#core/retention/purge-identity-marks';
export { newSessionId, isSessionIdShape } from '#core/accounts/web-session';
export { ASPECT_RATIOS, type AspectRatio } from '#core/providers/ports';
export { VIDEO_DURATIONS, type ImageFormFields } from '#core/generation/parse-generation-options';
export { MAX_INPUT_IMAGE_BYTES } from '#core/generation/check-input-image';
export type { WebCreateInput } from '#core/generation/create-web-generation';
export type { WebJob } from '#core/generation/read-web-job';
export type { CreationPrefill } from '#core/generation/find-creation-prefill';
export { createMetrics, type Metrics } from '#core/metrics/create-metrics';
export type { MetricsRecorder } from '#core/metrics/metrics-recorder';
export { startMetricsServer } from '#core/metrics/start-metrics-server';
export { hasBearerToken } from '#core/metrics/has-bearer-token';
export type { Admin } from '#core/admin/create-admin';
export { runAdminCommand } from '#core/admin/run-admin-cli';
export { serveAdminSocket, adminSocketPath } from '#core/admin/admin-socket';
export { DataDirLockedError } from '#core/infra/db/data-dir-lock';
export { parseUserRef, type UserRef, type AdminUser } from '#core/admin/find-user';
export type { AdminLedgerLine } from '#core/admin/view-credits';
export type { AdminPaymentLine } from '#core/admin/view-payments';
export type { AuditLogLine } from '#core/admin/list-audit-log';
export type { PaymentReviewLine } from '#core/admin/review-payments';
export type { AdminStats, PeriodStats } from '#core/admin/compute-stats';
export type { AdminDashboard, DailySeries, ModelHealth } from '#core/admin/compute-dashboard';
export type { AdminRefundResult } from '#core/admin/refund-payment';
export type { AdminGrantResult, AdminRevokeResult } from '#core/admin/change-credits';
export { MAX_SUSPENSION_HOURS, type AdminModerationEvent, type AdminSuspension } from '#core/admin/suspend-user';
export type { OpenAppealLine } from '#core/moderation/list-open-appeals';
export type { AppealDecision } from '#core/moderation/decide-appeal';
export type { SuspensionStatus } from '#core/moderation/get-suspension-status';
export type { Balance } from '#core/credits/get-balance';
export { CREATION_SOURCES, type CreationSource, type CreationCard } from '#core/gallery/creation-card';
export type { CreationDetail } from '#core/gallery/get-creation';
export type { GalleryPage } from '#core/gallery/list-creations';
export type { SharedCreation, RemixableCreation } from '#core/sharing/find-shared-creation';
export type { ShareReportLine } from '#core/sharing/review-share-reports';
export { MAX_REPORT_REASON_LENGTH } from '#core/sharing/report-shared-creation';
