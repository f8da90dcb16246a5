import type { CoreDeps } from '#core/core-deps';
import { isAppError } from '#core/errors/app-error';
import type { Logger } from '#core/infra/logger';
import type { NotifierRegistry } from '#core/chat/notifier';
import { normalizeLocale } from '#core/i18n/locales';
import { applyStarsPayment, STARS_CURRENCY } from '#core/payments/stars-payment';

/** One Telegram Star transaction as `getStarTransactions` returns it (the fields we read). */
export type StarTransaction = {
  id: string;
  amount: number;
  nanostar_amount?: number;
  date: number;
  source?: { type: string; transaction_type?: string; user?: { id: number }; invoice_payload?: string };
  receiver?: { type: string; user?: { id: number } };
};

/** The bot's Star transactions, oldest first (https://core.telegram.org/bots/api#getstartransactions). */
export interface StarTransactions {
  list(input: { offset: number; limit: number }): Promise<StarTransaction[]>;
}

/** What a reconciliation found and did. */
export type StarsReconcileReport = {
  scanned: number;
  /** Incoming invoice payments of users. */
  payments: number;
  alreadyApplied: number;
  /** Found before and held for review (not the pack's price): left to the admin. */
  alreadyHeld: number;
  /** Payments found that had not been applied, and were now. */
  applied: { chargeId: string; platformUserId: string; amount: number }[];
  /** Payments found that had not been applied and are not the pack's price: held for review, nothing credited. */
  held: { chargeId: string; platformUserId: string; amount: number }[];
  /** Refunded before they were ever applied: nothing to credit. */
  refunded: number;
  /** Payments that could not be applied (unknown payload, account gone), with the reason. */
  failed: { chargeId: string; reason: string }[];
};

/** getStarTransactions returns at most 100 per call. */
const PAGE = 100;
/** A safety stop: 1,000 pages are 100,000 transactions. */
const MAX_PAGES = 1_000;

type ReconcileDeps = Pick<CoreDeps, 'prisma' | 'catalog' | 'clock' | 'config' | 'mailer'> & {
  logger: Logger;
  notifiers?: NotifierRegistry;
};

/**
 * Finds paid Stars invoices whose `successful_payment` update never got applied (lost, or its
 * handler failed every try) by reading the bot's whole transaction history, and applies each
 * once through {@link applyStarsPayment}, keyed by the transaction id (which is the
 * `telegram_payment_charge_id`): running it twice, or while the late update arrives, credits
 * once. A payment already refunded is skipped. When this process can write to Telegram, the
 * payer is told in their private chat, as after a normal payment.
 */
export async function reconcileStarsPayments(
  deps: ReconcileDeps,
  source: StarTransactions,
): Promise<StarsReconcileReport> {
  const transactions: StarTransaction[] = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const batch = await source.list({ offset: transactions.length, limit: PAGE });
    transactions.push(...batch);
    if (batch.length < PAGE) break;
  }
  const refundedIds = new Set(
    transactions.filter((transaction) => transaction.receiver?.type === 'user').map((transaction) => transaction.id),
  );
  const payments = transactions.filter(
    (transaction) =>
      transaction.source?.type === 'user' &&
      (transaction.source.transaction_type ?? 'invoice_payment') === 'invoice_payment' &&
      transaction.source.invoice_payload &&
      transaction.source.user,
  );
  const ids = payments.map((payment) => payment.id);
  const [appliedRows, heldRows] = await Promise.all([
    deps.prisma.payment.findMany({
      where: { provider: 'telegram_stars', externalId: { in: ids } },
      select: { externalId: true },
    }),
    deps.prisma.paymentReview.findMany({
      where: { provider: 'telegram_stars', objectId: { in: ids } },
      select: { objectId: true },
    }),
  ]);
  const known = new Set(appliedRows.map((row) => row.externalId));
  const held = new Set(heldRows.map((row) => row.objectId));
  const report: StarsReconcileReport = {
    scanned: transactions.length,
    payments: payments.length,
    alreadyApplied: 0,
    alreadyHeld: 0,
    applied: [],
    held: [],
    refunded: 0,
    failed: [],
  };
  for (const payment of payments) {
    if (known.has(payment.id)) {
      report.alreadyApplied += 1;
      continue;
    }
    if (held.has(payment.id)) {
      report.alreadyHeld += 1;
      continue;
    }
    if (refundedIds.has(payment.id)) {
      report.refunded += 1;
      continue;
    }
    const platformUserId = String(payment.source?.user?.id);
    try {
      const reply = await applyStarsPayment(deps, {
        payload: payment.source?.invoice_payload ?? '',
        chargeId: payment.id,
        currency: STARS_CURRENCY,
        totalAmount: payment.amount,
        platformUserId,
      });
      const isHeld = reply.type === 'message' && [reply.text].flat().some((text) => text.key === 'buy.held_for_review');
      (isHeld ? report.held : report.applied).push({ chargeId: payment.id, platformUserId, amount: payment.amount });
      deps.logger.warn(
        { chargeId: payment.id, platformUserId, amount: payment.amount },
        'stars payment found by reconciliation and applied',
      );
      await tellPayer(deps, platformUserId, reply);
    } catch (error) {
      const reason = isAppError(error) ? error.code : 'internal';
      report.failed.push({ chargeId: payment.id, reason });
      deps.logger.error(
        { err: error, chargeId: payment.id, platformUserId },
        'stars payment found by reconciliation could not be applied',
      );
    }
  }
  return report;
}

async function tellPayer(
  deps: ReconcileDeps,
  platformUserId: string,
  reply: Awaited<ReturnType<typeof applyStarsPayment>>,
): Promise<void> {
  const notifier = deps.notifiers?.telegram;
  if (!notifier) return;
  try {
    const identity = await deps.prisma.identity.findUnique({
      where: { provider_subject: { provider: 'telegram', subject: platformUserId } },
      select: { user: { select: { locale: true } } },
    });
    await notifier.send(
      {
        platform: 'telegram',
        chatId: platformUserId,
        chatType: 'private',
        platformUserId,
        locale: normalizeLocale(identity?.user.locale),
      },
      [reply],
    );
  } catch (error) {
    deps.logger.warn({ err: error, platformUserId }, 'reconciled stars payment not announced');
  }
}
