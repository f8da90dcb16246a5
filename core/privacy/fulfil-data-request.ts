import type Stripe from 'stripe';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { consumeOneTimeToken, peekOneTimeToken } from '#core/accounts/one-time-token';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { renderMail } from '#core/mail/render-mail';
import { buildExportArchive, type ExportArchive } from '#core/privacy/build-export-archive';
import { cancelStripeSubscriptions } from '#core/privacy/cancel-stripe-subscriptions';
import { eraseAccount } from '#core/privacy/erase-account';
import { isErasePhrase } from '#core/privacy/erase-own-account';
import type { EmailRequestKind } from '#core/privacy/file-data-request';

/** The emailed request a verification link is for (for its confirmation page). */
export async function describeDataRequest(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  token: string,
): Promise<{ kind: EmailRequestKind } | undefined> {
  const found = await peekOneTimeToken(deps.prisma, { kind: 'data_request', token, now: deps.clock.now() });
  const requestId = found?.payload.requestId;
  if (typeof requestId !== 'string') return undefined;
  const request = await deps.prisma.dataSubjectRequest.findUnique({
    where: { id: requestId },
    select: { kind: true, status: true },
  });
  return request?.status === 'pending_verification' ? { kind: request.kind as EmailRequestKind } : undefined;
}

/** What a verified emailed request did. */
export type DataRequestResult =
  | { kind: 'export'; archive: ExportArchive }
  | { kind: 'erase' | 'restrict' | 'object'; outcome: 'done' }
  | { kind: 'rectify'; outcome: 'forwarded' }
  | { kind: EmailRequestKind; outcome: 'no_account' };

/**
 * Acts on an emailed data request once its link is opened and confirmed (the link proves the
 * person holds the address): export streams the archive, erasure (with the typed phrase) erases
 * the account, restriction and objection are switched on, rectification is passed to support.
 * The link works once; the request is stamped verified and completed with its outcome. An
 * address without an account completes as `no_account`. Throws `token_invalid` or, for an
 * erasure without the phrase, `invalid_credentials` (the link stays usable).
 */
export async function fulfilDataRequest(
  deps: CoreDeps,
  stripe: Stripe | undefined,
  input: { token: string; phrase: string; origin: RequestOrigin },
): Promise<DataRequestResult> {
  const now = deps.clock.now();
  const described = await describeDataRequest(deps, input.token);
  if (!described) throw new AppError('token_invalid');
  if (described.kind === 'erase' && !isErasePhrase(input.phrase)) throw new AppError('invalid_credentials');
  const found = await consumeOneTimeToken(deps.prisma, { kind: 'data_request', token: input.token, now });
  const requestId = found?.payload.requestId;
  if (typeof requestId !== 'string') throw new AppError('token_invalid');
  const request = await deps.prisma.dataSubjectRequest.update({
    where: { id: requestId },
    data: { status: 'open', verifiedAt: now },
  });
  const kind = request.kind as EmailRequestKind;
  const user = request.email
    ? await deps.prisma.user.findUnique({ where: { email: request.email }, select: { id: true } })
    : null;
  const complete = (outcome: string) =>
    deps.prisma.dataSubjectRequest.update({
      where: { id: request.id },
      data: { status: 'completed', completedAt: deps.clock.now(), outcome, ...(user ? { userId: user.id } : {}) },
    });
  if (!user) {
    await complete('no_account');
    return { kind, outcome: 'no_account' };
  }
  switch (kind) {
    case 'export': {
      await deps.prisma.dataSubjectRequest.update({ where: { id: request.id }, data: { userId: user.id } });
      await recordSecurityEvent(deps.prisma, {
        userId: user.id,
        kind: 'privacy.export',
        origin: input.origin,
        details: { channel: 'email' },
      });
      return {
        kind,
        archive: await buildExportArchive(deps, { userId: user.id, channel: 'email', requestId: request.id }),
      };
    }
    case 'erase': {
      await cancelStripeSubscriptions(deps, stripe, user.id);
      await complete('erased');
      await eraseAccount({ ...deps, stripe }, user.id, { actor: 'user:email-request', channel: 'email' });
      return { kind, outcome: 'done' };
    }
    case 'restrict':
    case 'object': {
      await deps.prisma.user.update({
        where: { id: user.id },
        data: kind === 'restrict' ? { isProcessingRestricted: true } : { hasObjectedToAnalytics: true },
      });
      await complete(kind === 'restrict' ? 'restricted' : 'objected');
      return { kind, outcome: 'done' };
    }
    case 'rectify': {
      await deps.prisma.dataSubjectRequest.update({ where: { id: request.id }, data: { userId: user.id } });
      try {
        // To the operators, who read English.
        const mail = renderMail('en', deps.config, {
          subject: `Verified data request ${request.id} (rectify)`,
          blocks: [
            {
              kind: 'paragraph',
              text: `A verified rectification request is waiting: request ${request.id}. Its message is stored with the request.`,
            },
          ],
        });
        await deps.mailer.send({ to: deps.config.supportEmail, ...mail });
      } catch (error) {
        deps.logger.error({ err: error, requestId: request.id }, 'support was not told of a data request');
      }
      return { kind, outcome: 'forwarded' };
    }
  }
}
