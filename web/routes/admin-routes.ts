import { randomUUID } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import {
  isAppError,
  MAX_SUSPENSION_HOURS,
  parseUserRef,
  type AdminUser,
  type AppError,
  type MessageKey,
  type UserRef,
} from '#core';
import { field, sendPage, statusOf, viewOf, type Site } from '#web/routes/route-kit';
import { formatDateTime, formatMoney } from '#web/html/format';
import {
  adminAppealsPage,
  adminAuditPage,
  adminConfirmPage,
  adminHomePage,
  adminPaymentReviewsPage,
  adminShareReportsPage,
  adminStatsPage,
  adminUserPage,
  type AdminConfirmation,
  type AdminFlash,
} from '#web/views/admin-views';
import type { ViewContext } from '#web/views/view-context';

/** Flash messages a redirect after a change may ask for (`?done=<name>`). */
const DONE = [
  'granted',
  'revoked',
  'repeated',
  'suspended',
  'unsuspended',
  'refunded',
  'refund_requested',
  'already_refunded',
] as const;
type Done = (typeof DONE)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORM_KEY = /^[\w.:-]{1,100}$/;
const MAX_REASON_LENGTH = 500;

/** An admin action refused by the web layer (a form value typed wrong: 400), answered on the same page. */
class AdminFormError extends Error {
  constructor(
    readonly messageKey: MessageKey,
    readonly vars: Record<string, string | number> = {},
    readonly options: { status?: number; detail?: string } = {},
  ) {
    super(messageKey);
    this.name = 'AdminFormError';
  }
}

function amountOf(request: Request): number {
  const text = field(request, 'amount').trim();
  if (!/^\d{1,9}$/.test(text) || Number(text) <= 0) throw new AdminFormError('web.admin.invalid.amount');
  return Number(text);
}

function reasonOf(request: Request): string {
  const reason = field(request, 'reason').trim();
  if (reason === '' || reason.length > MAX_REASON_LENGTH)
    throw new AdminFormError('web.admin.invalid.reason', { max: MAX_REASON_LENGTH });
  return reason;
}

function keyOf(request: Request): string {
  const key = field(request, 'key');
  if (!FORM_KEY.test(key)) throw new AdminFormError('web.admin.invalid.key');
  return key;
}

function hoursOf(request: Request): number | undefined {
  const text = field(request, 'hours').trim();
  if (text === '') return undefined;
  if (!/^\d{1,6}$/.test(text) || Number(text) <= 0 || Number(text) > MAX_SUSPENSION_HOURS)
    throw new AdminFormError('web.admin.invalid.hours', { max: MAX_SUSPENSION_HOURS });
  return Number(text);
}

/** The flash for a refused admin action: the localized code, and the operator-facing reason core gave. */
function refusal(view: ViewContext, error: AppError | AdminFormError): AdminFlash {
  if (error instanceof AdminFormError)
    return {
      kind: 'error',
      message: view.t(error.messageKey, error.vars),
      ...(error.options.detail ? { detail: error.options.detail } : {}),
    };
  const message = view.tx(`errors.${error.code}`, error.code, { support: view.supportEmail, ...error.vars });
  return { kind: 'error', message, ...(error.message !== error.code ? { detail: error.message } : {}) };
}

/**
 * The admin area at `/admin`, for signed-in people whose verified email is in ADMIN_EMAILS:
 * find a user, see their balance, ledger, payments and moderation, grant or revoke credits,
 * refund a payment, suspend and unsuspend, answer appeals (lift or keep); statistics; the audit log. Everyone else gets the
 * site's ordinary 404 (the area is not revealed). Every look-up and change goes through core's
 * admin use cases (the CLI's), audited as `web:<user id>`.
 */
export function createAdminRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();

  // Not an admin: leave this router, so the answer is the same 404 as for any unknown path.
  router.use((request: Request, _response: Response, next: NextFunction) => {
    if (core.admin.isAdmin(request.user)) next();
    else next('router');
  });

  const actorOf = (request: Request) => (request.user ? core.admin.actorOf(request.user) : 'web:unknown');

  const showUser = async (request: Request, response: Response, userId: string, status: number, flash?: AdminFlash) => {
    const actor = actorOf(request);
    const ref: UserRef = { kind: 'id', id: userId };
    const [{ user, balance }, { lines }, { payments }, { events, suspensions }] = await Promise.all([
      core.admin.viewBalance({ ref, actor }),
      core.admin.viewLedger({ ref, limit: 20, actor }),
      core.admin.viewPayments({ ref, limit: 20, actor }),
      core.admin.viewModeration({ ref, limit: 20, actor }),
    ]);
    const keys = { grant: `web-${randomUUID()}`, revoke: `web-${randomUUID()}` };
    sendPage(
      response,
      status,
      adminUserPage(viewOf(site, request), {
        user,
        balance,
        ledger: lines,
        payments,
        events,
        suspensions,
        keys,
        canRefund: core.admin.canRefund,
        maxSuspensionHours: MAX_SUSPENSION_HOURS,
        ...(flash ? { flash } : {}),
      }),
    );
  };

  /**
   * Runs a change on the user page: 303 back with `done` on success, the page with the reason when
   * refused. With `confirm`, a form without `confirmed=yes` only gets the confirmation page that
   * `confirm` describes (after the values were checked); nothing changes until it is sent back.
   * `confirm` answers undefined for a target that is not there (404).
   */
  const change =
    (
      run: (request: Request, userId: string) => Promise<{ userId: string; done: Done }>,
      confirm?: (request: Request, userId: string, view: ViewContext) => Promise<AdminConfirmation | undefined>,
    ) =>
    async (request: Request, response: Response, next: NextFunction) => {
      const userId = String(request.params.id);
      if (!UUID.test(userId)) return next();
      try {
        if (confirm && field(request, 'confirmed') !== 'yes') {
          const view = viewOf(site, request);
          const confirmation = await confirm(request, userId.toLowerCase(), view);
          if (!confirmation) return next();
          return sendPage(response, 200, adminConfirmPage(view, confirmation));
        }
        const result = await run(request, userId.toLowerCase());
        response.redirect(303, `/admin/users/${result.userId}?done=${result.done}`);
      } catch (error) {
        if (!(error instanceof AdminFormError) && !isAppError(error)) throw error;
        const status = error instanceof AdminFormError ? (error.options.status ?? 400) : statusOf(error);
        await showUser(request, response, userId.toLowerCase(), status, refusal(viewOf(site, request), error));
      }
    };

  router.get('/', async (request, response) => {
    const dashboard = await core.admin.dashboard({ actor: actorOf(request) });
    sendPage(response, 200, adminHomePage(viewOf(site, request), { dashboard }));
  });

  router.post('/find', async (request, response) => {
    const view = viewOf(site, request);
    const typed = field(request, 'ref').trim();
    const ref = parseUserRef(typed);
    if (!ref)
      return sendPage(
        response,
        400,
        adminHomePage(view, { ref: typed, flash: { kind: 'error', message: view.t('web.admin.find.invalid') } }),
      );
    try {
      const user = await core.admin.findUser({ ref, actor: actorOf(request) });
      response.redirect(303, `/admin/users/${user.id}`);
    } catch (error) {
      if (!isAppError(error)) throw error;
      sendPage(
        response,
        statusOf(error),
        adminHomePage(view, { ref: typed, flash: { kind: 'error', message: view.t('web.admin.find.none') } }),
      );
    }
  });

  router.get('/users/:id', async (request, response, next) => {
    const userId = request.params.id;
    if (!UUID.test(userId)) return next();
    const { t } = viewOf(site, request);
    const done = DONE.find((name) => name === request.query.done);
    await showUser(
      request,
      response,
      userId.toLowerCase(),
      200,
      done
        ? {
            kind: done === 'repeated' || done === 'already_refunded' ? 'info' : 'success',
            message: t(`web.admin.done.${done}`),
          }
        : undefined,
    );
  });

  router.post(
    '/users/:id/grant',
    change(async (request, userId) => {
      const result = await core.admin.grantCredits({
        ref: { kind: 'id', id: userId },
        amount: amountOf(request),
        reason: reasonOf(request),
        key: keyOf(request),
        actor: actorOf(request),
      });
      return { userId: result.user.id, done: result.applied ? 'granted' : 'repeated' };
    }),
  );

  /** What a confirmation page says about the user: the name the user page shows, and the id. */
  const labelOf = (user: AdminUser) => `${user.displayName ?? user.email ?? user.id} (${user.id})`;
  const userHref = (userId: string) => `/admin/users/${userId}`;

  router.post(
    '/users/:id/revoke',
    change(
      async (request, userId) => {
        const result = await core.admin.revokeCredits({
          ref: { kind: 'id', id: userId },
          amount: amountOf(request),
          reason: reasonOf(request),
          key: keyOf(request),
          actor: actorOf(request),
        });
        return { userId: result.user.id, done: result.applied ? 'revoked' : 'repeated' };
      },
      async (request, userId, view) => {
        const fields = { amount: String(amountOf(request)), reason: reasonOf(request), key: keyOf(request) };
        const { user, balance } = await core.admin.viewBalance({
          ref: { kind: 'id', id: userId },
          actor: actorOf(request),
        });
        const amount = Number(fields.amount);
        const debt = Math.max(amount - balance.available, 0);
        return {
          effects: [
            view.t('web.admin.confirm.revoke', { amount, user: labelOf(user), reason: fields.reason }),
            debt > 0
              ? view.t('web.admin.confirm.revoke_debt', { available: balance.available, debt })
              : view.t('web.admin.confirm.revoke_balance', {
                  available: balance.available,
                  after: balance.available - amount,
                }),
          ],
          action: `${userHref(user.id)}/revoke`,
          fields,
          submit: view.t('web.admin.revoke.submit'),
          backHref: userHref(user.id),
        };
      },
    ),
  );

  router.post(
    '/users/:id/suspend',
    change(
      async (request, userId) => {
        const { user } = await core.admin.suspend({
          ref: { kind: 'id', id: userId },
          hours: hoursOf(request),
          reason: reasonOf(request),
          actor: actorOf(request),
        });
        return { userId: user.id, done: 'suspended' };
      },
      async (request, userId, view) => {
        const hours = hoursOf(request);
        const reason = reasonOf(request);
        const { user } = await core.admin.viewBalance({ ref: { kind: 'id', id: userId }, actor: actorOf(request) });
        const until = hours === undefined ? undefined : new Date(core.now().getTime() + hours * 3_600_000);
        return {
          effects: [
            until === undefined
              ? view.t('web.admin.confirm.suspend_open', { user: labelOf(user), reason })
              : view.t('web.admin.confirm.suspend_hours', {
                  user: labelOf(user),
                  hours: hours ?? 0,
                  date: formatDateTime(view.locale, until),
                  reason,
                }),
          ],
          action: `${userHref(user.id)}/suspend`,
          fields: { hours: hours === undefined ? '' : String(hours), reason },
          submit: view.t('web.admin.suspend.submit'),
          backHref: userHref(user.id),
        };
      },
    ),
  );

  router.post(
    '/users/:id/unsuspend',
    change(
      async (request, userId) => {
        const { user } = await core.admin.unsuspend({ ref: { kind: 'id', id: userId }, actor: actorOf(request) });
        return { userId: user.id, done: 'unsuspended' };
      },
      async (request, userId, view) => {
        const { user } = await core.admin.viewBalance({ ref: { kind: 'id', id: userId }, actor: actorOf(request) });
        // Not suspended: no question to ask; the change itself answers why nothing happens.
        if (user.status !== 'suspended')
          return {
            effects: [view.t('web.admin.confirm.not_suspended', { user: labelOf(user) })],
            action: `${userHref(user.id)}/unsuspend`,
            fields: {},
            submit: view.t('web.admin.unsuspend.submit'),
            backHref: userHref(user.id),
          };
        return {
          effects: [
            view.t('web.admin.confirm.unsuspend', {
              user: labelOf(user),
              date: user.suspendedUntil
                ? formatDateTime(view.locale, user.suspendedUntil)
                : view.t('web.admin.until_lifted'),
            }),
          ],
          action: `${userHref(user.id)}/unsuspend`,
          fields: {},
          submit: view.t('web.admin.unsuspend.submit'),
          backHref: userHref(user.id),
        };
      },
    ),
  );

  /** The payment a refund form names, if it is this user's (else undefined: 404). */
  const paymentOf = async (request: Request, userId: string) => {
    const paymentId = String(request.params.paymentId);
    if (!UUID.test(paymentId)) throw new AdminFormError('web.admin.invalid.payment');
    const { user, payments } = await core.admin.viewPayments({
      ref: { kind: 'id', id: userId },
      paymentId: paymentId.toLowerCase(),
      actor: actorOf(request),
    });
    const payment = payments[0];
    return payment ? { user, payment } : undefined;
  };

  router.post(
    '/users/:id/payments/:paymentId/refund',
    change(
      async (request, userId) => {
        const paymentId = String(request.params.paymentId);
        if (!UUID.test(paymentId)) throw new AdminFormError('web.admin.invalid.payment');
        if (!(await paymentOf(request, userId)))
          throw new AdminFormError('web.admin.invalid.payment', {}, { status: 404 });
        try {
          const result = await core.admin.refundPayment({ ref: paymentId, actor: actorOf(request) });
          return {
            userId: result.userId ?? userId,
            done: result.outcome === 'requested' ? 'refund_requested' : result.outcome,
          };
        } catch (error) {
          // E.g. no Telegram token in this process: the reason, and the CLI where the provider may be set up.
          if (isAppError(error) && error.code === 'payments_unavailable') {
            throw new AdminFormError(
              'web.admin.refund_unavailable',
              { command: `npm run admin -- refund-payment ${paymentId}` },
              { status: error.status, detail: error.message },
            );
          }
          throw error;
        }
      },
      async (request, userId, view) => {
        const found = await paymentOf(request, userId);
        if (!found) return undefined;
        const { user, payment } = found;
        // Only what the payments table offers a Refund button for: nothing to confirm otherwise.
        if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') {
          throw new AdminFormError('web.admin.refund_not_refundable', {}, { status: 409, detail: payment.status });
        }
        if (!core.admin.canRefund[payment.provider]) {
          throw new AdminFormError(
            'web.admin.refund_unavailable',
            { command: `npm run admin -- refund-payment ${payment.id}` },
            {
              status: 503,
              detail: `${payment.provider === 'telegram_stars' ? 'TELEGRAM_BOT_TOKEN' : 'STRIPE_SECRET_KEY'} is not set in this process`,
            },
          );
        }
        const amount =
          payment.provider === 'telegram_stars'
            ? `${payment.amount - payment.refundedAmount} ⭐`
            : formatMoney(view.locale, payment.amount - payment.refundedAmount, payment.currency);
        return {
          effects: [
            view.t('web.admin.confirm.refund', {
              amount,
              payment: payment.externalId,
              user: labelOf(user),
              credits: payment.credits,
            }),
          ],
          action: `${userHref(user.id)}/payments/${payment.id}/refund`,
          fields: {},
          submit: view.t('web.admin.refund'),
          backHref: userHref(user.id),
        };
      },
    ),
  );

  const showAppeals = async (request: Request, response: Response, status: number, flash?: AdminFlash) => {
    const appeals = await core.admin.listOpenAppeals({ actor: actorOf(request) });
    sendPage(response, status, adminAppealsPage(viewOf(site, request), { appeals, ...(flash ? { flash } : {}) }));
  };

  router.get('/appeals', async (request, response) => {
    const { t } = viewOf(site, request);
    const done = request.query.done === 'lifted' || request.query.done === 'kept' ? request.query.done : undefined;
    await showAppeals(
      request,
      response,
      200,
      done
        ? {
            kind: 'success',
            message: t(done === 'lifted' ? 'web.admin.done.appeal_lifted' : 'web.admin.done.appeal_kept'),
          }
        : undefined,
    );
  });

  router.post('/appeals/:id/:decision', async (request, response, next) => {
    const appealId = String(request.params.id);
    const decision = request.params.decision;
    if (!UUID.test(appealId) || (decision !== 'lift' && decision !== 'keep')) return next();
    try {
      const result = await core.admin.decideAppeal({
        appealId: appealId.toLowerCase(),
        decision,
        actor: actorOf(request),
      });
      response.redirect(303, `/admin/appeals?done=${result.status}`);
    } catch (error) {
      if (!isAppError(error)) throw error;
      await showAppeals(request, response, statusOf(error), refusal(viewOf(site, request), error));
    }
  });

  const showReports = async (request: Request, response: Response, status: number, flash?: AdminFlash) => {
    const reports = await core.admin.listShareReports({ actor: actorOf(request) });
    sendPage(response, status, adminShareReportsPage(viewOf(site, request), { reports, ...(flash ? { flash } : {}) }));
  };

  router.get('/reports', async (request, response) => {
    const { t } = viewOf(site, request);
    const done = (['unpublish', 'dismiss'] as const).find((name) => name === request.query.done);
    await showReports(
      request,
      response,
      200,
      done ? { kind: 'success', message: t(`web.admin.reports.done_${done}`) } : undefined,
    );
  });

  router.post('/reports/:id/:decision', async (request, response, next) => {
    const reportId = String(request.params.id).toLowerCase();
    const decision = request.params.decision;
    if (!UUID.test(reportId) || (decision !== 'unpublish' && decision !== 'dismiss')) return next();
    const view = viewOf(site, request);
    if (field(request, 'confirmed') !== 'yes') {
      const report = await core.admin.describeShareReport(reportId);
      if (!report)
        return showReports(request, response, 404, { kind: 'error', message: view.t('web.admin.reports.gone') });
      return sendPage(
        response,
        200,
        adminConfirmPage(view, {
          effects: [
            view.t(
              decision === 'unpublish' ? 'web.admin.reports.confirm_unpublish' : 'web.admin.reports.confirm_dismiss',
              {
                page: report.publishedSlug ? `/s/${report.publishedSlug}` : '-',
                owner: report.ownerId,
              },
            ),
          ],
          action: `/admin/reports/${report.id}/${decision}`,
          fields: {},
          submit: view.t(decision === 'unpublish' ? 'web.admin.reports.unpublish' : 'web.admin.reports.dismiss'),
          backHref: '/admin/reports',
        }),
      );
    }
    try {
      await core.admin.decideShareReport({ reportId, decision, actor: actorOf(request) });
      response.redirect(303, `/admin/reports?done=${decision}`);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'not_found') throw error;
      await showReports(request, response, 404, { kind: 'error', message: view.t('web.admin.reports.gone') });
    }
  });

  router.get('/stats', async (request, response) => {
    const stats = await core.admin.stats({ actor: actorOf(request) });
    sendPage(response, 200, adminStatsPage(viewOf(site, request), { stats }));
  });

  router.get('/audit', async (request, response) => {
    const isChangesOnly = request.query.changes === '1';
    const lines = await core.admin.listAuditLog({ limit: 100, isChangesOnly, actor: actorOf(request) });
    sendPage(response, 200, adminAuditPage(viewOf(site, request), { lines, isChangesOnly }));
  });

  const showReviews = async (request: Request, response: Response, status: number, flash?: AdminFlash) => {
    const reviews = await core.admin.listPaymentReviews({ limit: 200, actor: actorOf(request) });
    sendPage(
      response,
      status,
      adminPaymentReviewsPage(viewOf(site, request), { reviews, ...(flash ? { flash } : {}) }),
    );
  };

  router.get('/payment-reviews', async (request, response) => {
    const { t } = viewOf(site, request);
    const done = (['resolved', 'already_resolved'] as const).find((name) => name === request.query.done);
    await showReviews(
      request,
      response,
      200,
      done
        ? { kind: done === 'resolved' ? 'success' : 'info', message: t(`web.admin.reviews.done.${done}`) }
        : undefined,
    );
  });

  router.post('/payment-reviews/:id/resolve', async (request, response) => {
    const { t } = viewOf(site, request);
    const resolution = field(request, 'resolution').trim();
    if (resolution === '' || resolution.length > MAX_REASON_LENGTH) {
      return showReviews(request, response, 400, {
        kind: 'error',
        message: t('web.admin.reviews.invalid.resolution', { max: MAX_REASON_LENGTH }),
      });
    }
    try {
      const outcome = await core.admin.resolvePaymentReview({
        id: String(request.params.id),
        resolution,
        actor: actorOf(request),
      });
      response.redirect(303, `/admin/payment-reviews?done=${outcome}`);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'not_found') throw error;
      await showReviews(request, response, 404, { kind: 'error', message: t('web.admin.reviews.not_found') });
    }
  });

  return router;
}
