import type { CoreDeps } from '#core/core-deps';
import { balanceColumnsSql, toBalance, type Balance, type BalanceColumns } from '#core/credits/get-balance';
import { Prisma } from '#core/infra/db/create-database';
import type { LedgerKind } from '#core/infra/db/generated/enums';
import { activePlanIdSql, limitsOfPlan } from '#core/generation/user-limits';
import { referralEntriesSql, type ReferralLedgerEntry } from '#core/referrals/get-referral-summary';

/** What /balance shows: the balance, the plan that applies now and when it renews, the last movements, the invitations. */
export type BalanceSummary = {
  balance: Balance;
  /** The active plan's id (undefined: the free limits), as admission reads it. */
  planId: string | undefined;
  /** The end of the current period of the newest subscription to that plan. */
  planPeriodEnd: Date | undefined;
  /** The last credit movements, newest first, captures left out (as the ledger listing shows users). */
  movements: { kind: LedgerKind; delta: number; reason: string | null; at: Date }[];
  /** The account's invite code (null until first made) and its inviter-side referral entries. */
  referral: { code: string | null; entries: ReferralLedgerEntry[] };
};

type SummaryRow = BalanceColumns & {
  planId: string | null;
  planPeriodEndMs: number | string | null;
  movements: { kind: LedgerKind; delta: number; reason: string | null; atMs: number | string }[];
  referralCode: string | null;
  referralEntries: ReferralLedgerEntry[];
};

/**
 * Reads a user's {@link BalanceSummary} in one query: a chat command pays a loopback round trip and
 * Prisma's per-query cost for each query, and /balance used to make five after the account's.
 */
export async function readBalanceSummary(
  deps: Pick<CoreDeps, 'prisma' | 'catalog'>,
  userId: string,
  now: Date,
  options: { movements: number },
): Promise<BalanceSummary> {
  const plan = activePlanIdSql(Prisma.sql`${userId}::uuid`, now);
  const [row] = await deps.prisma.$queryRaw<SummaryRow[]>`
    SELECT ${balanceColumnsSql(userId, now)},
      ${plan} AS "planId",
      (SELECT (extract(epoch FROM "currentPeriodEnd") * 1000)::bigint FROM subscriptions
        WHERE "userId" = ${userId}::uuid AND "planId" = ${plan} ORDER BY "createdAt" DESC LIMIT 1) AS "planPeriodEndMs",
      (SELECT coalesce(json_agg(json_build_object('kind', kind, 'delta', delta, 'reason', reason, 'atMs', (extract(epoch FROM "createdAt") * 1000)::bigint) ORDER BY id DESC), '[]'::json)
         FROM (SELECT id, kind, delta, reason, "createdAt" FROM credit_ledger WHERE "userId" = ${userId}::uuid AND kind <> 'capture' ORDER BY id DESC LIMIT ${options.movements}) AS recent) AS movements,
      (SELECT "referralCode" FROM users WHERE id = ${userId}::uuid) AS "referralCode",
      ${referralEntriesSql(userId)} AS "referralEntries"`;
  const planId = limitsOfPlan(deps.catalog, row?.planId).planId;
  return {
    balance: toBalance(row),
    planId,
    planPeriodEnd:
      planId !== undefined && row?.planPeriodEndMs != null ? new Date(Number(row.planPeriodEndMs)) : undefined,
    movements: (row?.movements ?? []).map((movement) => ({
      kind: movement.kind,
      delta: movement.delta,
      reason: movement.reason,
      at: new Date(Number(movement.atMs)),
    })),
    referral: { code: row?.referralCode ?? null, entries: row?.referralEntries ?? [] },
  };
}
