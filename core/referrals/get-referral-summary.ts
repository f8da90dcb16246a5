import type { CoreDeps } from '#core/core-deps';
import { ensureReferralCode } from '#core/referrals/referral-code';
import { inviteLinksOf, type InviteLinks } from '#core/referrals/invite-links';

/** An account's invitations: its code and links, how many invited people bought, and the credits that earned it. */
export type ReferralSummary = { code: string; links: InviteLinks; buyers: number; creditsEarned: number; inviterCredits: number; inviteeCredits: number };

/**
 * The account's invite code (made on first use), its links, and what it earned: the inviter
 * grants of purchases not refunded (`buyers`, one per invited person's first purchase) and
 * their credits net of any taken back; and the catalog's reward per side.
 */
export async function getReferralSummary(deps: Pick<CoreDeps, 'prisma' | 'config' | 'catalog'>, userId: string): Promise<ReferralSummary> {
  const code = await ensureReferralCode(deps.prisma, userId);
  const entries = await deps.prisma.creditLedgerEntry.findMany({
    where: { userId, OR: [{ idempotencyKey: { startsWith: 'referral:', endsWith: ':inviter' } }, { idempotencyKey: { startsWith: 'referral-clawback:', endsWith: ':inviter' } }] },
    select: { idempotencyKey: true, delta: true, debtDelta: true },
  });
  const clawedPayments = new Set(entries.filter((entry) => entry.idempotencyKey.startsWith('referral-clawback:')).map((entry) => entry.idempotencyKey.split(':')[1]));
  let buyers = 0;
  let creditsEarned = 0;
  for (const entry of entries) {
    if (entry.idempotencyKey.startsWith('referral-clawback:')) {
      creditsEarned += entry.delta - entry.debtDelta;
      continue;
    }
    creditsEarned += entry.delta;
    if (!clawedPayments.has(entry.idempotencyKey.split(':')[2])) buyers += 1;
  }
  return { code, links: inviteLinksOf(deps.config, code), buyers, creditsEarned, ...deps.catalog.referral };
}
