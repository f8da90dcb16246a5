import type { CoreDeps } from '#core/core-deps';
import { purgeExpiredSecrets } from '#core/retention/purge-expired-secrets';
import { purgeIdentityMarks } from '#core/retention/purge-identity-marks';
import { deleteErasedMedia } from '#core/privacy/delete-erased-media';
import { deleteStripeCustomers } from '#core/privacy/delete-stripe-customers';
import { purgeChatUpdateClaims } from '#core/chat/claim-chat-update';
import { purgeExpiredPendingInputs } from '#core/chat/pending-input';
import { purgeLoginRecords } from '#core/retention/purge-login-records';
import { purgeOldMedia } from '#core/retention/purge-old-media';
import { purgeOrphanMedia } from '#core/retention/purge-orphan-media';
import { purgeOldPrompts } from '#core/retention/purge-old-prompts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What one retention run removed. */
export type RetentionReport = {
  prompts: number;
  moderationPrompts: number;
  media: number;
  loginRecords: number;
  sessionOrigins: number;
  expiredSessions: number;
  expiredTokens: number;
  suspensionMarks: number;
  bonusMarks: number;
  stripeCustomersDeleted: number;
  chatUpdateClaims: number;
  /** Files of erased accounts the media store could not delete at erasure, deleted now. */
  erasedMediaDeleted: number;
  /** Stored files no row named (their process died before recording them), deleted now. */
  orphanMedia: number;
  /** Expired questions of the bot and prompts kept until the terms were accepted. */
  pendingInputs: number;
};

/**
 * The retention the privacy policy promises, run by the worker (at start and then hourly is
 * plenty): prompts and media older than RETENTION_PROMPT_DAYS (and stored files no row names), IP addresses and browsers of
 * login records older than RETENTION_LOGIN_DAYS, expired sessions and one-time tokens, and the
 * identity marks whose time is up (ended suspensions, bonus marks after three years); and it
 * retries deleting at Stripe the customers of erased accounts that Stripe could not delete then,
 * and the media files of erased accounts that the media store could not delete then;
 * claimed Telegram update ids older than two days are forgotten, and so are expired pending chat
 * inputs (a photo awaiting its instruction, a kept prompt).
 * Every step is idempotent, so overlapping or repeated runs are harmless.
 */
export async function runRetention(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger' | 'clock' | 'config' | 'stripe'>,
): Promise<RetentionReport> {
  const now = deps.clock.now();
  const promptCutoff = new Date(now.getTime() - deps.config.retention.promptDays * DAY_MS);
  const loginCutoff = new Date(now.getTime() - deps.config.retention.loginDays * DAY_MS);
  const prompts = await purgeOldPrompts(deps.prisma, promptCutoff);
  const media = await purgeOldMedia(deps, promptCutoff);
  const orphanMedia = await purgeOrphanMedia(deps, promptCutoff);
  const login = await purgeLoginRecords(deps.prisma, loginCutoff);
  const secrets = await purgeExpiredSecrets(deps.prisma, now);
  const marks = await purgeIdentityMarks(deps.prisma, now);
  const stripeCustomers = await deleteStripeCustomers(deps, deps.stripe);
  const chatUpdateClaims = await purgeChatUpdateClaims(deps, now);
  const erasedMedia = await deleteErasedMedia(deps);
  const pendingInputs = await purgeExpiredPendingInputs(deps, now);
  const report: RetentionReport = {
    prompts: prompts.generations,
    moderationPrompts: prompts.moderationEvents,
    media,
    loginRecords: login.securityEvents,
    sessionOrigins: login.sessions,
    expiredSessions: secrets.sessions,
    expiredTokens: secrets.tokens,
    suspensionMarks: marks.suspensionMarks,
    bonusMarks: marks.bonusMarks,
    stripeCustomersDeleted: stripeCustomers.deleted,
    chatUpdateClaims,
    erasedMediaDeleted: erasedMedia.deleted,
    orphanMedia,
    pendingInputs,
  };
  deps.logger.info({ retention: report }, 'retention run');
  return report;
}
