import { findPlan } from '#core/catalog/catalog';
import type { CoreDeps } from '#core/core-deps';
import { getBalance, type Balance } from '#core/credits/get-balance';
import { listLedger, type LedgerLine } from '#core/credits/list-ledger';
import { getReferralSummary, type ReferralSummary } from '#core/referrals/get-referral-summary';
import type { GenerationKind, GenerationStatus, IdentityProvider, PaymentStatus } from '#core/infra/db/generated/enums';

/** Everything the account page shows. */
export type AccountOverview = {
  balance: Balance;
  ledger: LedgerLine[];
  payments: {
    id: string;
    provider: string;
    amount: number;
    currency: string;
    credits: number;
    status: PaymentStatus;
    productId: string | null;
    /** What was bought, for naming it: a plan of the catalog, or anything else (a pack, an old product). */
    productKind: 'plan' | 'pack';
    at: Date;
  }[];
  subscription:
    | { planId: string; status: string; currentPeriodEnd: Date | null; cancelAtPeriodEnd: boolean }
    | undefined;
  hasBillingAccount: boolean;
  identities: { id: string; provider: IdentityProvider; username: string | null }[];
  creations: {
    id: string;
    kind: GenerationKind;
    status: GenerationStatus;
    prompt: string | null;
    cost: number;
    at: Date;
    mediaIds: string[];
  }[];
  /** The invite code and links, and what invitations earned. */
  referral: ReferralSummary;
};

/** The account page's data for one user: balance, ledger, payments, plan, linked identities, recent creations, invitations. */
export async function getAccountOverview(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'config' | 'catalog'>,
  userId: string,
): Promise<AccountOverview> {
  const { prisma } = deps;
  const [balance, ledger, payments, subscription, customer, identities, generations, referral] = await Promise.all([
    getBalance(prisma, userId, deps.clock.now()),
    listLedger(prisma, userId, { limit: 50 }),
    prisma.payment.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take: 50 }),
    prisma.subscription.findFirst({ where: { userId }, orderBy: [{ updatedAt: 'desc' }] }),
    prisma.stripeCustomer.findUnique({ where: { userId }, select: { customerId: true } }),
    prisma.identity.findMany({
      where: { userId },
      select: { id: true, provider: true, username: true },
      orderBy: { createdAt: 'asc' },
    }),
    prisma.generation.findMany({
      where: { userId, status: 'succeeded', deletedAt: null },
      orderBy: { createdAt: 'desc' },
      take: 4,
      include: { media: { where: { role: 'output' }, select: { id: true }, orderBy: { createdAt: 'asc' } } },
    }),
    getReferralSummary(deps, userId),
  ]);
  return {
    balance,
    ledger,
    payments: payments.map((payment) => ({
      id: payment.id,
      provider: payment.provider,
      amount: payment.amount,
      currency: payment.currency,
      credits: payment.credits,
      status: payment.status,
      productId: payment.productId,
      productKind: payment.productId !== null && findPlan(deps.catalog, payment.productId) ? 'plan' : 'pack',
      at: payment.createdAt,
    })),
    subscription: subscription
      ? {
          planId: subscription.planId,
          status: subscription.status,
          currentPeriodEnd: subscription.currentPeriodEnd,
          cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
        }
      : undefined,
    hasBillingAccount: customer !== null,
    identities,
    creations: generations.map((generation) => ({
      id: generation.id,
      kind: generation.kind,
      status: generation.status,
      prompt: (generation.options as { subject?: string } | null)?.subject ?? generation.prompt,
      cost: generation.cost,
      at: generation.createdAt,
      mediaIds: generation.media.map((media) => media.id),
    })),
    referral,
  };
}
