import type { Tx } from '#core/credits/ledger-transaction';

/**
 * Records, in the transaction that credits a payment, that its buyer is owed a receipt mail: one
 * row per payment (its id is the key), so a replayed webhook or update, or two processes racing,
 * owe one receipt. Only a buyer with an email on record is owed one; `needsVerifiedEmail` (Stars
 * payments, made in a chat) asks for an address the buyer confirmed on the web. Nothing is sent
 * here: `sendPaymentReceipt` sends after the commit, and the workers' sweep retries.
 */
export async function owePaymentReceiptLocked(
  tx: Tx,
  input: { paymentId: string; userId: string; renewsAt: Date | null; now: Date; needsVerifiedEmail: boolean },
): Promise<boolean> {
  const user = await tx.user.findUnique({
    where: { id: input.userId },
    select: { email: true, emailVerifiedAt: true, status: true },
  });
  if (!user?.email || user.status === 'deleted') return false;
  if (input.needsVerifiedEmail && !user.emailVerifiedAt) return false;
  await tx.paymentReceipt.createMany({
    data: [{ paymentId: input.paymentId, renewsAt: input.renewsAt, nextAttemptAt: input.now }],
    skipDuplicates: true,
  });
  return true;
}
