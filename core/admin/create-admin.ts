import type { AdminActor, AdminDeps } from '#core/admin/admin-deps';
import { grantAdminCredits, revokeAdminCredits } from '#core/admin/change-credits';
import { computeDashboard } from '#core/admin/compute-dashboard';
import { computeStats } from '#core/admin/compute-stats';
import { findUser, type UserRef } from '#core/admin/find-user';
import { refundPayment, type RefundClients } from '#core/admin/refund-payment';
import { reconcileStars, type StarsReconcileClient } from '#core/admin/reconcile-stars';
import { listPaymentReviews, resolvePaymentReview } from '#core/admin/review-payments';
import { suspendUser, unsuspendUser, viewModeration } from '#core/admin/suspend-user';
import { viewBalance, viewLedger } from '#core/admin/view-credits';

/**
 * The operator's use cases, each audited with its actor. Used by the admin CLI; the web admin
 * area can use the same object (actor `web:<user id>`), so both leave the same trail.
 */
export type Admin = ReturnType<typeof createAdmin>;

/** The clients some admin commands need: refunds (`refundPayment`) and the bot's Star transactions (`reconcileStars`). */
export type AdminClients = RefundClients & { starsReconcile?: StarsReconcileClient | undefined };

/** Binds the admin use cases to their dependencies (the clients only matter for the commands that use them). */
export function createAdmin(deps: AdminDeps, clients: AdminClients = { stars: undefined, stripe: undefined }) {
  return {
    findUser: (input: { ref: UserRef; actor: AdminActor }) => findUser(deps, input),
    viewBalance: (input: { ref: UserRef; actor: AdminActor }) => viewBalance(deps, input),
    viewLedger: (input: { ref: UserRef; limit?: number; actor: AdminActor }) => viewLedger(deps, input),
    grantCredits: (input: { ref: UserRef; amount: number; reason: string; key: string; actor: AdminActor }) =>
      grantAdminCredits(deps, input),
    revokeCredits: (input: { ref: UserRef; amount: number; reason: string; key: string; actor: AdminActor }) =>
      revokeAdminCredits(deps, input),
    refundPayment: (input: { ref: string; actor: AdminActor }) => refundPayment(deps, clients, input),
    suspend: (input: { ref: UserRef; hours: number | undefined; reason: string; actor: AdminActor }) =>
      suspendUser(deps, input),
    unsuspend: (input: { ref: UserRef; actor: AdminActor }) => unsuspendUser(deps, input),
    viewModeration: (input: { ref: UserRef; limit?: number; actor: AdminActor }) => viewModeration(deps, input),
    stats: (input: { actor: AdminActor }) => computeStats(deps, input),
    dashboard: (input: { actor: AdminActor }) => computeDashboard(deps, input),
    reconcileStars: (input: { actor: AdminActor }) => reconcileStars(deps, clients.starsReconcile, input),
    listPaymentReviews: (input: { limit?: number; actor: AdminActor }) => listPaymentReviews(deps, input),
    resolvePaymentReview: (input: { id: string; resolution: string; actor: AdminActor }) =>
      resolvePaymentReview(deps, input),
  };
}
