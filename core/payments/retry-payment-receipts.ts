import type { CoreDeps } from '#core/core-deps';
import { MAX_RECEIPT_ATTEMPTS, sendPaymentReceipt } from '#core/payments/send-payment-receipt';

const BATCH = 100;

/**
 * Sends the payment receipts that are owed and due: those whose mail failed, and those whose
 * sender died before sending. Run by every worker's sweep; the claim in `sendPaymentReceipt`
 * keeps two workers from sending the same one. Returns how many were sent.
 */
export async function retryPaymentReceipts(
  deps: Pick<CoreDeps, 'prisma' | 'mailer' | 'logger' | 'clock' | 'config' | 'catalog'>,
): Promise<number> {
  const due = await deps.prisma.paymentReceipt.findMany({
    where: { sentAt: null, nextAttemptAt: { lte: deps.clock.now() }, attempts: { lt: MAX_RECEIPT_ATTEMPTS } },
    orderBy: { nextAttemptAt: 'asc' },
    take: BATCH,
    select: { paymentId: true },
  });
  let sent = 0;
  for (const { paymentId } of due) {
    if ((await sendPaymentReceipt(deps, paymentId)) === 'sent') sent += 1;
  }
  return sent;
}
