import type { CoreDeps } from '#core/core-deps';

/** The format version of the data export. */
export const EXPORT_FORMAT = 'imagine-export/1';

/**
 * Everything stored about a user, machine-readable (GDPR access and portability): account,
 * identities, credits, payments and the Stripe customer id, generations with prompts, media
 * metadata, template and moderation events, login records, web sessions (IP, browser, start,
 * last renewal and expiry; not the session id, which is a credential), data requests, the
 * invite code with who invited the account (that account's id only), whether each creation is
 * published (its public page, slug and whether the prompt shows), and what a chat waits for
 * (a prompt kept until the terms are accepted, a photo's pending instruction, a Remix's new prompt). Records the request (or completes
 * the already recorded `requestId`) first, so the export lists itself as completed.
 */
export async function exportUserData(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  userId: string,
  channel: string,
  options: { requestId?: string } = {},
): Promise<Record<string, unknown>> {
  const { prisma } = deps;
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user) return { format: EXPORT_FORMAT, account: null };
  const now = deps.clock.now();
  if (options.requestId) {
    await prisma.dataSubjectRequest.update({
      where: { id: options.requestId },
      data: { status: 'completed', completedAt: now, outcome: 'exported' },
    });
  } else {
    await prisma.dataSubjectRequest.create({
      data: { userId, kind: 'export', status: 'completed', channel, completedAt: now, outcome: 'exported' },
    });
  }
  const [
    stripeCustomer,
    sessions,
    identities,
    lots,
    ledger,
    payments,
    subscriptions,
    generations,
    media,
    templateEvents,
    moderationEvents,
    suspensions,
    securityEvents,
    dataRequests,
    appeals,
    paymentReviews,
    pendingInputs,
  ] = await Promise.all([
    prisma.stripeCustomer.findUnique({ where: { userId }, select: { customerId: true, createdAt: true } }),
    prisma.webSession.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      select: { ip: true, userAgent: true, createdAt: true, updatedAt: true, expiresAt: true },
    }),
    prisma.identity.findMany({
      where: { userId },
      select: { provider: true, subject: true, username: true, createdAt: true },
    }),
    prisma.creditLot.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
    prisma.creditLedgerEntry.findMany({ where: { userId }, orderBy: { id: 'asc' } }),
    prisma.payment.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      include: { receipt: { select: { renewsAt: true, createdAt: true, sentAt: true, attempts: true } } },
    }),
    prisma.subscription.findMany({ where: { userId } }),
    prisma.generation.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
    prisma.mediaAsset.findMany({
      where: { userId },
      select: {
        id: true,
        generationId: true,
        role: true,
        mime: true,
        bytes: true,
        sha256: true,
        width: true,
        height: true,
        createdAt: true,
      },
    }),
    prisma.templateEvent.findMany({ where: { userId }, select: { templateId: true, kind: true, createdAt: true } }),
    prisma.moderationEvent.findMany({ where: { userId } }),
    prisma.suspension.findMany({ where: { userId } }),
    prisma.securityEvent.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
    prisma.dataSubjectRequest.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
    prisma.appeal.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      select: { suspensionId: true, text: true, status: true, createdAt: true, decidedAt: true },
    }),
    prisma.paymentReview.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
    prisma.chatPendingInput.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      select: {
        platform: true,
        chatId: true,
        kind: true,
        text: true,
        mediaKind: true,
        templateId: true,
        generationId: true,
        createdAt: true,
        expiresAt: true,
      },
    }),
  ]);
  const { passwordHash, ...account } = user;
  return JSON.parse(
    JSON.stringify(
      {
        format: EXPORT_FORMAT,
        exportedAt: now,
        account: { ...account, hasPassword: passwordHash !== null },
        referral: { code: user.referralCode, referredById: user.referredById },
        identities,
        credits: { lots, ledger },
        payments,
        stripeCustomer,
        subscriptions,
        generations: generations.map(({ delivery, ...generation }) => ({
          ...generation,
          isPublished: generation.publishedAt !== null,
          delivery: withoutPlatformSecrets(delivery),
        })),
        media,
        templateEvents,
        moderationEvents,
        suspensions,
        appeals,
        paymentReviews,
        securityEvents,
        webSessions: sessions.map(({ updatedAt, ...session }) => ({ ...session, lastRenewedAt: updatedAt })),
        dataRequests,
        pendingChatInputs: pendingInputs,
      },
      (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
    ),
  ) as Record<string, unknown>;
}

/** A delivery target without platform tokens (a Discord interaction token is a credential, not user data). */
function withoutPlatformSecrets(delivery: unknown): unknown {
  if (typeof delivery !== 'object' || delivery === null) return delivery;
  const { extra: _extra, ...rest } = delivery as Record<string, unknown>;
  return rest;
}
