import { findPack } from '#core/catalog/catalog';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { grantCreditsLocked } from '#core/credits/grant-credits';
import { withAccountLock } from '#core/credits/ledger-transaction';
import { getBalance } from '#core/credits/get-balance';
import { textReply, type Reply } from '#core/chat/reply';
import { logHeldPayment, recordPaymentReview } from '#core/payments/hold-payment-for-review';
import { rewardFirstPurchaseLocked } from '#core/referrals/reward-first-purchase';
import { owePaymentReceiptLocked } from '#core/payments/owe-payment-receipt';
import { sendReceiptAfterCommit } from '#core/payments/send-payment-receipt';

/** Telegram Stars' currency code. */
export const STARS_CURRENCY = 'XTR';

type StarsPayload = { packId: string; userId: string };

function parsePayload(payload: string): StarsPayload | undefined {
  const match = /^pack:([a-z0-9_]{1,32}):([0-9a-f-]{36})$/.exec(payload);
  return match ? { packId: match[1] as string, userId: match[2] as string } : undefined;
}

/**
 * Answers Telegram's pre_checkout_query: the invoice must name a pack that exists at the same
 * Stars price, in XTR, for the account of the user paying, and that account must be active.
 * Throws an AppError with the reason to show; nothing is written either way.
 */
export async function checkStarsPreCheckout(
  deps: Pick<CoreDeps, 'prisma' | 'catalog'>,
  input: { payload: string; currency: string; totalAmount: number; platformUserId: string },
): Promise<void> {
  const parsed = parsePayload(input.payload);
  const pack = parsed ? findPack(deps.catalog, parsed.packId) : undefined;
  if (!parsed || !pack || input.currency !== STARS_CURRENCY || input.totalAmount !== pack.stars)
    throw new AppError('unknown_product');
  const identity = await deps.prisma.identity.findUnique({
    where: { provider_subject: { provider: 'telegram', subject: input.platformUserId } },
    select: { userId: true, user: { select: { status: true } } },
  });
  if (!identity || identity.userId !== parsed.userId) throw new AppError('forbidden');
  if (identity.user.status === 'deleted') throw new AppError('account_deleted');
}

/**
 * Applies a successful Stars payment: records the payment and grants the pack's credits once,
 * keyed by Telegram's charge id, so a redelivered update (or a reconciliation) grants nothing
 * more. A payment that is not the pack's Stars price is held for review and credits nothing.
 * The account's first purchase also rewards its invitation, if any (`rewardFirstPurchaseLocked`).
 * An account with an email address confirmed on the web gets a receipt, sent after the commit.
 */
export async function applyStarsPayment(
  deps: Pick<CoreDeps, 'prisma' | 'catalog' | 'clock' | 'logger' | 'config' | 'mailer'>,
  input: { payload: string; chargeId: string; currency: string; totalAmount: number; platformUserId: string },
): Promise<Reply> {
  const parsed = parsePayload(input.payload);
  const pack = parsed ? findPack(deps.catalog, parsed.packId) : undefined;
  if (!parsed || !pack) throw new AppError('unknown_product', { message: `unknown Stars payload ${input.payload}` });
  if (input.currency !== STARS_CURRENCY || input.totalAmount !== pack.stars) {
    const review = {
      provider: 'telegram_stars' as const,
      objectId: input.chargeId,
      eventId: undefined,
      userId: parsed.userId,
      productKind: 'pack' as const,
      productId: pack.id,
      paidAmount: input.totalAmount,
      paidCurrency: input.currency,
      verdict: {
        isMatch: false as const,
        reason: input.currency === STARS_CURRENCY ? ('amount_mismatch' as const) : ('currency_not_sold' as const),
        expectedAmount: pack.stars,
        expectedCurrency: STARS_CURRENCY,
      },
    };
    if (await recordPaymentReview(deps.prisma, review)) logHeldPayment(deps, review);
    return textReply('buy.held_for_review', { support: deps.config.supportEmail });
  }
  const now = deps.clock.now();
  const expiresAt = deps.catalog.packCreditsValidDays
    ? new Date(now.getTime() + deps.catalog.packCreditsValidDays * 86_400_000)
    : null;
  const receiptOf = await withAccountLock(deps.prisma, parsed.userId, async (tx) => {
    const payment = await tx.payment.upsert({
      where: { provider_externalId: { provider: 'telegram_stars', externalId: input.chargeId } },
      create: {
        userId: parsed.userId,
        provider: 'telegram_stars',
        externalId: input.chargeId,
        amount: input.totalAmount,
        currency: input.currency,
        credits: pack.credits,
        status: 'succeeded',
        productId: pack.id,
        details: { platformUserId: input.platformUserId },
      },
      update: {},
      select: { id: true },
    });
    await grantCreditsLocked(tx, {
      userId: parsed.userId,
      amount: pack.credits,
      source: 'pack',
      idempotencyKey: `stars:${input.chargeId}`,
      expiresAt,
      paymentId: payment.id,
      reason: `pack:${pack.id}`,
    });
    await rewardFirstPurchaseLocked(tx, deps, { userId: parsed.userId, paymentId: payment.id, now });
    const isOwed = await owePaymentReceiptLocked(tx, {
      paymentId: payment.id,
      userId: parsed.userId,
      renewsAt: null,
      now,
      needsVerifiedEmail: true,
    });
    return isOwed ? payment.id : undefined;
  });
  if (receiptOf) await sendReceiptAfterCommit(deps, receiptOf);
  const balance = await getBalance(deps.prisma, parsed.userId, now);
  return textReply('buy.credited', { credits: pack.credits, balance: balance.available });
}
