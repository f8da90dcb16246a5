import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { GenerationStatus, UserStatus } from '#core/infra/db/generated/enums';

/** Figures over one period. */
export type PeriodStats = {
  /** Accounts created in the period, by status now. */
  users: Record<UserStatus, number>;
  /** Generations admitted in the period, by status now. */
  generations: Record<GenerationStatus, number>;
  /** Credits granted with a payment (packs and plan periods); refunds show in `creditsClawedBack`. */
  creditsSold: number;
  /** Credits of generations that succeeded (captured reservations), by when they were captured. */
  creditsSpent: number;
  /** Credits taken back after refunds, disputes and admin revocations. */
  creditsClawedBack: number;
  /** Succeeded or later refunded payments, by provider. */
  payments: Record<string, number>;
};

/** `stats`: the last 24 hours and all time. */
export type AdminStats = { at: Date; last24h: PeriodStats; allTime: PeriodStats };

const USER_STATUSES: UserStatus[] = Object.values(UserStatus);
/** Every generation status, in the schema's order (Prisma's enum object). */
const GENERATION_STATUSES: GenerationStatus[] = Object.values(GenerationStatus);

/**
 * `stats`: users, generations by status, credits sold (granted with a payment), spent
 * (captured) and clawed back, and payments, for the last 24 hours and all time. Aggregates
 * only; audited as `admin.stats`.
 */
export async function computeStats(deps: AdminDeps, input: { actor: AdminActor }): Promise<AdminStats> {
  const at = deps.clock.now();
  const since = new Date(at.getTime() - 24 * 3_600_000);
  const [last24h, allTime] = await Promise.all([statsSince(deps, since), statsSince(deps, undefined)]);
  await auditAdminAction(deps.prisma, { actor: input.actor, action: 'admin.stats' });
  return { at, last24h, allTime };
}

async function statsSince(deps: AdminDeps, since: Date | undefined): Promise<PeriodStats> {
  const created = since ? { createdAt: { gte: since } } : {};
  const [users, generations, sold, spent, clawedBack, payments] = await Promise.all([
    deps.prisma.user.groupBy({ by: ['status'], where: created, _count: { _all: true } }),
    deps.prisma.generation.groupBy({ by: ['status'], where: created, _count: { _all: true } }),
    deps.prisma.creditLedgerEntry.aggregate({
      where: { kind: 'grant', paymentId: { not: null }, ...created },
      _sum: { delta: true },
    }),
    deps.prisma.creditReservation.aggregate({
      where: { status: 'captured', ...(since ? { settledAt: { gte: since } } : {}) },
      _sum: { amount: true },
    }),
    deps.prisma.creditLedgerEntry.aggregate({
      where: { kind: 'clawback', ...created },
      _sum: { delta: true, debtDelta: true },
    }),
    deps.prisma.payment.groupBy({
      by: ['provider'],
      where: { status: { in: ['succeeded', 'refunded', 'partially_refunded', 'disputed'] }, ...created },
      _count: { _all: true },
    }),
  ]);
  return {
    users: Object.fromEntries(
      USER_STATUSES.map((status) => [status, users.find((row) => row.status === status)?._count._all ?? 0]),
    ) as Record<UserStatus, number>,
    generations: Object.fromEntries(
      GENERATION_STATUSES.map((status) => [status, generations.find((row) => row.status === status)?._count._all ?? 0]),
    ) as Record<GenerationStatus, number>,
    creditsSold: sold._sum.delta ?? 0,
    creditsSpent: spent._sum.amount ?? 0,
    creditsClawedBack: -(clawedBack._sum.delta ?? 0) + (clawedBack._sum.debtDelta ?? 0),
    payments: Object.fromEntries(payments.map((row) => [row.provider, row._count._all])),
  };
}
