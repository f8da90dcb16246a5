import type { CoreDeps } from '#core/core-deps';
import { normalizeLocale } from '#core/i18n/locales';
import { renderMail } from '#core/mail/render-mail';
import { retryWhileDatabaseUnreachable } from '#core/infra/db/retry-while-unreachable';
import { paymentReceiptMail } from '#core/payments/payment-receipt-mail';

/**
 * How long one sender holds a receipt before another may try it (a sender that died mid-send):
 * longer than nodemailer's time-outs, so a slow send is never doubled.
 */
const RECEIPT_CLAIM_MS = 15 * 60_000;

/** How long the mark of a sent receipt is retried while the database is away (a failed mark must not mail it again soon). */
const MARK_SENT_RETRY_MS = 30_000;
/** Tries of one receipt before it is given up (logged at each failure). */
export const MAX_RECEIPT_ATTEMPTS = 8;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 6 * 3600_000;

/** How long a payment's handler waits for its receipt before answering (Stripe, Telegram); the mail goes on after. */
const RECEIPT_WAIT_MS = 5_000;

/**
 * Sends a payment's receipt right after its crediting committed, waiting at most
 * {@link RECEIPT_WAIT_MS}: a slow or hung mail server must not hold up the webhook's answer (Stripe
 * would deliver it again) or the chat's. A send that takes longer finishes, or fails and is
 * retried by the sweep, on its own.
 */
export async function sendReceiptAfterCommit(
  deps: Parameters<typeof sendPaymentReceipt>[0],
  paymentId: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, RECEIPT_WAIT_MS);
    timer.unref();
  });
  await Promise.race([sendPaymentReceipt(deps, paymentId), waited]);
  clearTimeout(timer);
}

/**
 * Whether the receipt was sent now, dropped (the buyer has no address any more), failed (tried
 * again later) or not due.
 */
export type ReceiptOutcome = 'sent' | 'dropped' | 'failed' | 'not_due';

/**
 * Sends the receipt a payment is owed (`owePaymentReceiptLocked`), after the crediting committed:
 * claims it first (so two processes never both send it), reads the buyer's address and language
 * now, and marks it sent. A mail failure never reaches the payment: it is logged and the receipt
 * is tried again by the workers' sweep with a growing pause, at most {@link MAX_RECEIPT_ATTEMPTS}
 * times. Never throws. Once the mail server accepted it, only the mark is retried (30 s while the
 * database is away). A sender killed between acceptance and the mark, or a mark that still fails,
 * may send it twice once the claim runs out; nothing else can.
 */
export async function sendPaymentReceipt(
  deps: Pick<CoreDeps, 'prisma' | 'mailer' | 'logger' | 'clock' | 'config' | 'catalog'>,
  paymentId: string,
): Promise<ReceiptOutcome> {
  const log = deps.logger.child({ paymentId });
  const now = deps.clock.now();
  try {
    const { count } = await deps.prisma.paymentReceipt.updateMany({
      where: { paymentId, sentAt: null, nextAttemptAt: { lte: now }, attempts: { lt: MAX_RECEIPT_ATTEMPTS } },
      data: { attempts: { increment: 1 }, nextAttemptAt: new Date(now.getTime() + RECEIPT_CLAIM_MS) },
    });
    if (count === 0) return 'not_due';
  } catch (error) {
    log.error({ err: error }, 'payment receipt could not be claimed; the sweep tries again');
    return 'failed';
  }
  try {
    const receipt = await deps.prisma.paymentReceipt.findUniqueOrThrow({
      where: { paymentId },
      select: {
        renewsAt: true,
        payment: {
          select: {
            provider: true,
            amount: true,
            currency: true,
            credits: true,
            productId: true,
            createdAt: true,
            user: { select: { email: true, locale: true, status: true } },
          },
        },
      },
    });
    const { payment } = receipt;
    const user = payment.user;
    if (!user?.email || user.status === 'deleted') {
      await deps.prisma.paymentReceipt.update({
        where: { paymentId },
        data: { sentAt: deps.clock.now(), lastError: 'no_address' },
      });
      log.info('payment receipt dropped: the buyer has no email address any more');
      return 'dropped';
    }
    const locale = normalizeLocale(user.locale);
    const content = paymentReceiptMail(locale, deps.catalog, {
      provider: payment.provider,
      amount: payment.amount,
      currency: payment.currency,
      credits: payment.credits,
      productId: payment.productId,
      paidAt: payment.createdAt,
      renewsAt: receipt.renewsAt,
      accountUrl: `${deps.config.publicUrl}/account`,
    });
    await deps.mailer.send({ to: user.email, ...renderMail(locale, deps.config, content) });
  } catch (error) {
    log.error({ err: error }, 'payment receipt not sent; the sweep tries again');
    await releaseForRetry(deps, paymentId, error).catch((releaseError: unknown) =>
      log.error({ err: releaseError }, 'payment receipt retry could not be scheduled; its claim runs out instead'),
    );
    return 'failed';
  }
  // Sent: from here a failure must not schedule the mail again, only the mark is retried.
  try {
    await retryWhileDatabaseUnreachable(
      () =>
        deps.prisma.paymentReceipt.update({
          where: { paymentId },
          data: { sentAt: deps.clock.now(), lastError: null },
        }),
      { until: Date.now() + MARK_SENT_RETRY_MS, log, what: 'payment receipt sent mark' },
    );
  } catch (error) {
    log.error({ err: error }, 'payment receipt sent but not marked; it is sent again once its claim runs out');
  }
  log.info('payment receipt sent');
  return 'sent';
}

async function releaseForRetry(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  paymentId: string,
  error: unknown,
): Promise<void> {
  const row = await deps.prisma.paymentReceipt.findUnique({ where: { paymentId }, select: { attempts: true } });
  if (!row) return;
  const pause = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, row.attempts - 1));
  await deps.prisma.paymentReceipt.update({
    where: { paymentId },
    data: {
      nextAttemptAt: new Date(deps.clock.now().getTime() + pause),
      lastError: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    },
  });
}
