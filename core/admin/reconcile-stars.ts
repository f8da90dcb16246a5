import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import type { CoreDeps } from '#core/core-deps';
import type { NotifierRegistry } from '#core/chat/notifier';
import { AppError } from '#core/errors/app-error';
import {
  reconcileStarsPayments,
  type StarsReconcileReport,
  type StarTransactions,
} from '#core/payments/reconcile-stars-payments';

/** What `stars-reconcile` needs beyond the database: the bot's transactions, and what crediting needs. */
export type StarsReconcileClient = {
  source: StarTransactions;
  deps: Pick<CoreDeps, 'catalog' | 'config' | 'logger' | 'mailer'> & { notifiers?: NotifierRegistry };
};

/**
 * `stars-reconcile`: applies, once each, the Telegram Stars payments whose update never got
 * applied (see `reconcileStarsPayments`), audited as `payments.stars_reconcile` with what it
 * found. Throws `payments_unavailable` when this process has no Telegram bot token.
 */
export async function reconcileStars(
  deps: AdminDeps,
  client: StarsReconcileClient | undefined,
  input: { actor: AdminActor },
): Promise<StarsReconcileReport> {
  if (!client)
    throw new AppError('payments_unavailable', {
      message: 'TELEGRAM_BOT_TOKEN is not set: Stars transactions are read through the bot that received them',
    });
  const report = await reconcileStarsPayments(
    { ...client.deps, prisma: deps.prisma, clock: deps.clock },
    client.source,
  );
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'payments.stars_reconcile',
    details: {
      scanned: report.scanned,
      payments: report.payments,
      alreadyApplied: report.alreadyApplied,
      alreadyHeld: report.alreadyHeld,
      applied: report.applied.map((entry) => entry.chargeId),
      held: report.held.map((entry) => entry.chargeId),
      refunded: report.refunded,
      failed: report.failed,
    },
  });
  return report;
}
