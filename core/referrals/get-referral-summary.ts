import type { CoreDeps } from '#core/core-deps';
import { Prisma } from '#core/infra/db/create-database';
import { ensureReferralCode } from '#core/referrals/referral-code';
import { inviteLinksOf, type InviteLinks } from '#core/referrals/invite-links';

/** An inviter-side referral ledger entry (a reward, or its claw-back), as the summary reads it. */
export type ReferralLedgerEntry = { idempotencyKey: string; delta: number; debtDelta: number };

/** SQL for the account's inviter-side referral ledger entries as a JSON array of {@link ReferralLedgerEntry}. */
export function referralEntriesSql(userId: string): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(json_agg(json_build_object('idempotencyKey', "idempotencyKey", 'delta', delta, 'debtDelta', "debtDelta")), '[]'::json)
    FROM credit_ledger WHERE "userId" = ${userId}::uuid AND ("idempotencyKey" LIKE 'referral:%:inviter' OR "idempotencyKey" LIKE 'referral-clawback:%:inviter' OR "idempotencyKey" LIKE 'referral-restore:%:inviter'))`;
}

/** An account's invitations: its code and links, how many invited people bought, and the credits that earned it. */
export type ReferralSummary = {
  code: string;
  links: InviteLinks;
  buyers: number;
  creditsEarned: number;
  inviterCredits: number;
  inviteeCredits: number;
};

/**
 * The account's invite code (made on first use), its links, and what it earned: the inviter
 * grants of purchases not wholly refunded (`buyers`, one per invited person's first purchase) and
 * their credits net of any taken back or given back; and the catalog's reward per side.
 */
export async function getReferralSummary(
  deps: Pick<CoreDeps, 'prisma' | 'config' | 'catalog'>,
  userId: string,
  /** What a caller already read in its own query (see {@link referralEntriesSql}): saves the round trips. */
  known?: { code: string | null; entries: ReferralLedgerEntry[] },
): Promise<ReferralSummary> {
  const code = known?.code ?? (await ensureReferralCode(deps.prisma, userId));
  const entries =
    known?.entries ??
    (await deps.prisma.creditLedgerEntry.findMany({
      where: {
        userId,
        OR: [
          { idempotencyKey: { startsWith: 'referral:', endsWith: ':inviter' } },
          { idempotencyKey: { startsWith: 'referral-clawback:', endsWith: ':inviter' } },
          { idempotencyKey: { startsWith: 'referral-restore:', endsWith: ':inviter' } },
        ],
      },
      select: { idempotencyKey: true, delta: true, debtDelta: true },
    }));
  // Per purchase: the reward, less what refunds and disputes took back (and won disputes gave back).
  const keptByPayment = new Map<string, number>();
  for (const entry of entries) {
    const [kind, first, second] = entry.idempotencyKey.split(':');
    const paymentId = (kind === 'referral' ? second : first) ?? '';
    const change = kind === 'referral-clawback' ? entry.delta - entry.debtDelta : entry.delta;
    keptByPayment.set(paymentId, (keptByPayment.get(paymentId) ?? 0) + change);
  }
  const kept = [...keptByPayment.values()];
  const buyers = kept.filter((credits) => credits > 0).length;
  const creditsEarned = kept.reduce((sum, credits) => sum + credits, 0);
  return { code, links: inviteLinksOf(deps.config, code), buyers, creditsEarned, ...deps.catalog.referral };
}
