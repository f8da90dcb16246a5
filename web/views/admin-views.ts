import type {
  AdminDashboard,
  AdminLedgerLine,
  AdminModerationEvent,
  AdminPaymentLine,
  AdminStats,
  AdminSuspension,
  AdminUser,
  AuditLogLine,
  Balance,
  OpenAppealLine,
  PaymentReviewLine,
  PeriodStats,
  ShareReportLine,
} from '#core';
import { formatDateTime, formatMoney } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { adminDashboardSection } from '#web/views/admin-dashboard-views';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

/** A message at the top of an admin page; `detail` is the operator-facing reason core gave (English). */
export type AdminFlash = { kind: 'error' | 'info' | 'success'; message: string; detail?: string };

/** One-time keys the grant and revoke forms carry, so a double submit applies once. */
export type AdminFormKeys = { grant: string; revoke: string };

/** Everything the user page shows. */
export type AdminUserPageInput = {
  user: AdminUser;
  balance: Balance;
  ledger: AdminLedgerLine[];
  payments: AdminPaymentLine[];
  events: AdminModerationEvent[];
  suspensions: AdminSuspension[];
  keys: AdminFormKeys;
  canRefund: Record<AdminPaymentLine['provider'], boolean>;
  maxSuspensionHours: number;
  flash?: AdminFlash;
};

function flashOf(input: { flash?: AdminFlash }): SafeHtml {
  if (!input.flash) return html``;
  const { kind, message, detail } = input.flash;
  return notice(kind, detail ? `${message} (${detail})` : message);
}

function adminNav(view: ViewContext): SafeHtml {
  const { t } = view;
  return html`<nav aria-label="${t('web.admin.nav_label')}"><p><a href="/admin">${t('web.admin.nav.find')}</a> · <a href="/admin/stats">${t('web.admin.nav.stats')}</a> · <a href="/admin/audit">${t('web.admin.nav.audit')}</a> · <a href="/admin/payment-reviews">${t('web.admin.nav.reviews')}</a> · <a href="/admin/appeals">${t('web.admin.appeals.link')}</a> · <a href="/admin/reports">${t('web.admin.reports.link')}</a></p></nav>`;
}

function adminLayout(view: ViewContext, page: { title: string; body: SafeHtml }): SafeHtml {
  return layout(view, {
    title: page.title,
    body: html`${adminNav(view)}${page.body}<p class="muted">${view.t('web.admin.audited')}</p>`,
  });
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

/** The admin home: find a user by email, `telegram:<id>`, `discord:<id>` or account id; then the dashboard. */
export function adminHomePage(
  view: ViewContext,
  input: { ref?: string; flash?: AdminFlash; dashboard?: AdminDashboard },
): SafeHtml {
  const { t } = view;
  return adminLayout(view, {
    title: t('web.admin.title'),
    body: html`${flashOf(input)}
<h2>${t('web.admin.nav.find')}</h2>
<form method="post" action="/admin/find" class="stack" role="search">${csrfField(view)}
<label>${t('web.admin.find.label')}<input type="text" name="ref" required maxlength="320" autocomplete="off" spellcheck="false" value="${input.ref ?? ''}"></label>
<button type="submit">${t('web.admin.find.submit')}</button></form>
${input.dashboard ? adminDashboardSection(view, input.dashboard) : ''}`,
  });
}

function accountCard(view: ViewContext, user: AdminUser): SafeHtml {
  const { t, locale } = view;
  const suspension =
    user.status === 'suspended'
      ? notice(
          'info',
          user.suspendedUntil
            ? t('web.admin.suspended_until', {
                date: formatDateTime(locale, user.suspendedUntil),
                reason: user.suspendedReason ?? '',
              })
            : t('web.admin.suspended_open', { reason: user.suspendedReason ?? '' }),
        )
      : html``;
  return html`<section class="card" aria-labelledby="account-h"><h2 id="account-h">${t('web.admin.user.account')}</h2>
<dl>
<dt>${t('web.admin.user.id')}</dt><dd><code>${user.id}</code></dd>
<dt>${t('web.admin.user.email')}</dt><dd>${user.email ?? '-'}</dd>
<dt>${t('web.admin.user.name')}</dt><dd>${user.displayName ?? '-'}</dd>
<dt>${t('web.admin.user.created')}</dt><dd>${formatDateTime(locale, user.createdAt)}</dd>
<dt>${t('web.admin.user.status')}</dt><dd data-testid="status">${view.tx(`web.admin.status.${user.status}`, user.status)}</dd>
<dt>${t('web.admin.user.identities')}</dt><dd>${user.identities.length === 0 ? '-' : user.identities.map((identity, index) => html`${index > 0 ? ', ' : ''}${view.tx(`web.platform.${identity.provider}`, identity.provider)}: ${identity.subject}${identity.username ? ` (${identity.username})` : ''}`)}</dd>
</dl>
${user.mergedIntoId ? html`<p>${t('web.admin.user.merged')} <a href="/admin/users/${user.mergedIntoId}">${user.mergedIntoId}</a></p>` : ''}
${suspension}</section>`;
}

function balanceCard(view: ViewContext, balance: Balance): SafeHtml {
  const { t } = view;
  return html`<section class="card" aria-labelledby="balance-h"><h2 id="balance-h">${t('web.admin.balance')}</h2>
<dl>
<dt>${t('web.admin.available')}</dt><dd class="balance" data-testid="available">${balance.available}</dd>
<dt>${t('web.admin.reserved')}</dt><dd data-testid="reserved">${balance.reserved}</dd>
<dt>${t('web.admin.debt')}</dt><dd data-testid="debt">${balance.debt}</dd>
</dl></section>`;
}

function ledgerTable(view: ViewContext, lines: AdminLedgerLine[]): SafeHtml {
  const { t, locale } = view;
  if (lines.length === 0) return html`<p class="muted">${t('web.admin.ledger_empty')}</p>`;
  return html`<div class="table-wrap"><table data-testid="ledger"><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.col.kind')}</th><th scope="col" class="num">${t('web.admin.col.change')}</th><th scope="col" class="num">${t('web.admin.col.debt_change')}</th><th scope="col">${t('web.admin.col.reason')}</th><th scope="col">${t('web.admin.col.actor')}</th></tr></thead><tbody>
${lines.map((line) => html`<tr><td>${formatDateTime(locale, line.at)}</td><td>${line.kind}</td><td class="num">${signed(line.delta)}</td><td class="num">${line.debtDelta === 0 ? '' : signed(line.debtDelta)}</td><td>${line.reason ?? ''}</td><td>${line.actor ?? ''}</td></tr>`)}
</tbody></table></div>`;
}

function paymentsTable(view: ViewContext, input: AdminUserPageInput): SafeHtml {
  const { t, locale } = view;
  if (input.payments.length === 0) return html`<p class="muted">${t('web.admin.payments_empty')}</p>`;
  const refundCell = (payment: AdminPaymentLine): SafeHtml => {
    if (payment.status !== 'succeeded' && payment.status !== 'partially_refunded') return html``;
    if (!input.canRefund[payment.provider])
      return html`<span class="muted">${t('web.admin.refund_cli', { command: `npm run admin -- refund-payment ${payment.id}` })}</span>`;
    return html`<form method="post" action="/admin/users/${input.user.id}/payments/${payment.id}/refund" class="inline">${csrfField(view)}<button type="submit" class="danger">${t('web.admin.refund')}</button></form>`;
  };
  return html`<div class="table-wrap"><table data-testid="payments"><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.col.provider')}</th><th scope="col">${t('web.admin.col.payment')}</th><th scope="col" class="num">${t('web.admin.col.amount')}</th><th scope="col" class="num">${t('web.admin.col.credits')}</th><th scope="col">${t('web.admin.col.status')}</th><th scope="col"><span class="muted">${t('web.admin.refund')}</span></th></tr></thead><tbody>
${input.payments.map((payment) => html`<tr><td>${formatDateTime(locale, payment.at)}</td><td>${view.tx(`web.admin.provider.${payment.provider}`, payment.provider)}</td><td><code>${payment.id}</code><br><span class="muted">${payment.externalId}</span></td><td class="num">${payment.provider === 'telegram_stars' ? `${payment.amount} ⭐` : formatMoney(locale, payment.amount, payment.currency)}</td><td class="num">${payment.credits}</td><td>${view.tx(`web.payment_status.${payment.status}`, payment.status)}</td><td>${refundCell(payment)}</td></tr>`)}
</tbody></table></div>`;
}

function moderationTables(view: ViewContext, input: AdminUserPageInput): SafeHtml {
  const { t, locale } = view;
  const events =
    input.events.length === 0
      ? html`<p class="muted">${t('web.admin.moderation_empty')}</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.col.stage')}</th><th scope="col">${t('web.admin.col.verdict')}</th><th scope="col">${t('web.admin.col.categories')}</th><th scope="col">${t('web.admin.col.prompt')}</th></tr></thead><tbody>
${input.events.map((event) => html`<tr><td>${formatDateTime(locale, event.at)}</td><td>${event.stage}</td><td>${event.verdict}${event.isSevere ? html` <strong>(${t('web.admin.severe')})</strong>` : ''}</td><td>${event.categories.join(', ')}</td><td>${event.prompt ?? ''}</td></tr>`)}
</tbody></table></div>`;
  const suspensions =
    input.suspensions.length === 0
      ? html`<p class="muted">${t('web.admin.suspensions_empty')}</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.col.ends')}</th><th scope="col">${t('web.admin.col.reason')}</th><th scope="col">${t('web.admin.col.lifted')}</th></tr></thead><tbody>
${input.suspensions.map((suspension) => html`<tr><td>${formatDateTime(locale, suspension.startsAt)}</td><td>${suspension.endsAt ? formatDateTime(locale, suspension.endsAt) : t('web.admin.until_lifted')}</td><td>${suspension.reason}${suspension.category ? html` <span class="muted">(${suspension.category})</span>` : ''}</td><td>${suspension.liftedAt ? `${formatDateTime(locale, suspension.liftedAt)} ${suspension.liftedBy ?? ''}` : ''}</td></tr>`)}
</tbody></table></div>`;
  return html`<h2>${t('web.admin.moderation')}</h2>${events}<h2>${t('web.admin.suspensions')}</h2>${suspensions}`;
}

function creditForms(view: ViewContext, input: AdminUserPageInput): SafeHtml {
  const { t } = view;
  const base = `/admin/users/${input.user.id}`;
  const form = (
    kind: 'grant' | 'revoke',
    key: string,
  ) => html`<section class="card" aria-labelledby="${kind}-h"><h3 id="${kind}-h">${t(`web.admin.${kind}.title`)}</h3>
${kind === 'revoke' ? html`<p class="muted">${t('web.admin.revoke.hint')}</p>` : ''}
<form method="post" action="${base}/${kind}" class="stack">${csrfField(view)}<input type="hidden" name="key" value="${key}">
<label>${t('web.admin.field.amount')}<input type="text" name="amount" required inputmode="numeric" pattern="[0-9]{1,9}" autocomplete="off"></label>
<label>${t('web.admin.field.reason')}<input type="text" name="reason" required maxlength="500" autocomplete="off"></label>
<button type="submit"${kind === 'revoke' ? html` class="danger"` : ''}>${t(`web.admin.${kind}.submit`)}</button></form></section>`;
  return html`<h2>${t('web.admin.credits')}</h2><div class="grid">${form('grant', input.keys.grant)}${form('revoke', input.keys.revoke)}</div>`;
}

function suspensionForms(view: ViewContext, input: AdminUserPageInput): SafeHtml {
  const { t } = view;
  const base = `/admin/users/${input.user.id}`;
  const lift =
    input.user.status === 'suspended'
      ? html`<form method="post" action="${base}/unsuspend">${csrfField(view)}<button type="submit">${t('web.admin.unsuspend.submit')}</button></form>`
      : html``;
  return html`<h2>${t('web.admin.suspend.title')}</h2>${lift}
<form method="post" action="${base}/suspend" class="stack">${csrfField(view)}
<label>${t('web.admin.field.hours')}<input type="text" name="hours" inputmode="numeric" pattern="[0-9]{1,6}" autocomplete="off" aria-describedby="hours-hint"><span class="muted" id="hours-hint">${t('web.admin.field.hours_hint', { max: input.maxSuspensionHours })}</span></label>
<label>${t('web.admin.field.suspend_reason')}<input type="text" name="reason" required maxlength="500" autocomplete="off"></label>
<button type="submit" class="danger">${t('web.admin.suspend.submit')}</button></form>`;
}

/** What a change will do, asked before it is done: the effect in words and the form that does it. */
export type AdminConfirmation = {
  /** The change's effect, one sentence per line, with amounts, credits and the user named. */
  effects: string[];
  /** Where the confirmed form posts. */
  action: string;
  /** The values the admin typed, sent again with `confirmed=yes`. */
  fields: Record<string, string>;
  /** The confirm button's label. */
  submit: string;
  /** The user page, where Cancel goes back to. */
  backHref: string;
};

/** The second step of a refund, revoke, suspension or lift: nothing has changed until the admin confirms here. */
export function adminConfirmPage(view: ViewContext, input: AdminConfirmation): SafeHtml {
  const { t } = view;
  return adminLayout(view, {
    title: t('web.admin.confirm.title'),
    body: html`<section class="card" aria-label="${t('web.admin.confirm.title')}">
${input.effects.map((effect) => html`<p data-testid="effect">${effect}</p>`)}
<p class="muted">${t('web.admin.confirm.nothing_yet')}</p>
<form method="post" action="${input.action}" class="inline">${csrfField(view)}${Object.entries(input.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<input type="hidden" name="confirmed" value="yes"><button type="submit" class="danger">${input.submit}</button></form>
<a href="${input.backHref}">${t('web.admin.confirm.cancel')}</a></section>`,
  });
}

/** A user: account, balance, recent ledger, payments (with refunds), moderation, and the forms that change them. */
export function adminUserPage(view: ViewContext, input: AdminUserPageInput): SafeHtml {
  const { t } = view;
  return adminLayout(view, {
    title: t('web.admin.user.title', { name: input.user.displayName ?? input.user.email ?? input.user.id }),
    body: html`${flashOf(input)}
<div class="grid">${accountCard(view, input.user)}${balanceCard(view, input.balance)}</div>
${creditForms(view, input)}
${suspensionForms(view, input)}
<h2>${t('web.admin.ledger')}</h2>${ledgerTable(view, input.ledger)}
<h2>${t('web.admin.payments')}</h2>${paymentsTable(view, input)}
${moderationTables(view, input)}`,
  });
}

function statsRows<K extends string>(
  view: ViewContext,
  keys: readonly K[],
  last24h: Record<K, number>,
  allTime: Record<K, number>,
  label: (key: K) => string,
): SafeHtml {
  if (keys.length === 0) return html`<tr><td colspan="3" class="muted">${view.t('web.admin.stats.none')}</td></tr>`;
  return html`${keys.map((key) => html`<tr><th scope="row">${label(key)}</th><td class="num">${last24h[key] ?? 0}</td><td class="num">${allTime[key] ?? 0}</td></tr>`)}`;
}

/** Users, generations by status, credits sold, spent and taken back, payments: the last 24 hours and all time. */
export function adminStatsPage(view: ViewContext, input: { stats: AdminStats }): SafeHtml {
  const { t, locale } = view;
  const { last24h, allTime } = input.stats;
  const head = html`<thead><tr><th scope="col"></th><th scope="col" class="num">${t('web.admin.stats.last24h')}</th><th scope="col" class="num">${t('web.admin.stats.all_time')}</th></tr></thead>`;
  const table = (caption: string, rows: SafeHtml) =>
    html`<h2>${caption}</h2><div class="table-wrap"><table>${head}<tbody>${rows}</tbody></table></div>`;
  const credits = (period: PeriodStats) => ({
    sold: period.creditsSold,
    spent: period.creditsSpent,
    clawed_back: period.creditsClawedBack,
  });
  const providers = [...new Set([...Object.keys(last24h.payments), ...Object.keys(allTime.payments)])].sort();
  return adminLayout(view, {
    title: t('web.admin.stats.title'),
    body: html`<p class="muted">${t('web.admin.stats.at', { date: formatDateTime(locale, input.stats.at) })}</p>
${table(
  t('web.admin.stats.users'),
  statsRows(
    view,
    Object.keys(allTime.users) as (keyof PeriodStats['users'])[],
    last24h.users,
    allTime.users,
    (status) => view.tx(`web.admin.status.${status}`, status),
  ),
)}
${table(
  t('web.admin.stats.generations'),
  statsRows(
    view,
    Object.keys(allTime.generations) as (keyof PeriodStats['generations'])[],
    last24h.generations,
    allTime.generations,
    (status) => view.tx(`status.${status}`, status),
  ),
)}
${table(
  t('web.admin.stats.credits'),
  statsRows(view, ['sold', 'spent', 'clawed_back'] as const, credits(last24h), credits(allTime), (key) =>
    t(`web.admin.stats.${key}`),
  ),
)}
${table(
  t('web.admin.stats.payments'),
  statsRows(view, providers, last24h.payments, allTime.payments, (provider) =>
    view.tx(`web.admin.provider.${provider}`, provider),
  ),
)}`,
  });
}

/** The latest audit rows: who did what to whom, with the details. */
export function adminAuditPage(view: ViewContext, input: { lines: AuditLogLine[]; isChangesOnly: boolean }): SafeHtml {
  const { t, locale } = view;
  const rows =
    input.lines.length === 0
      ? html`<p class="muted">${t('web.admin.audit.empty')}</p>`
      : html`<div class="table-wrap"><table data-testid="audit"><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.col.actor')}</th><th scope="col">${t('web.admin.col.action')}</th><th scope="col">${t('web.admin.col.target')}</th><th scope="col">${t('web.admin.col.details')}</th></tr></thead><tbody>
${input.lines.map((line) => html`<tr><td>${formatDateTime(locale, line.at)}</td><td>${line.actor}</td><td>${line.action}</td><td>${line.targetUserId ? html`<a href="/admin/users/${line.targetUserId}">${line.targetUserId.slice(0, 8)}</a>` : ''}</td><td><code>${JSON.stringify(line.details ?? {})}</code></td></tr>`)}
</tbody></table></div>`;
  return adminLayout(view, {
    title: t('web.admin.audit.title'),
    body: html`<form method="get" action="/admin/audit" class="stack">
<label class="check"><input type="checkbox" name="changes" value="1"${input.isChangesOnly ? html` checked` : ''}>${t('web.admin.audit.changes_only')}</label>
<button type="submit" class="secondary">${t('web.admin.audit.filter')}</button></form>
${rows}`,
  });
}

function moneyOf(
  view: ViewContext,
  provider: PaymentReviewLine['provider'],
  amount: number | null,
  currency: string | null,
): string {
  if (amount === null || currency === null) return '-';
  return provider === 'telegram_stars' ? `${amount} ⭐` : formatMoney(view.locale, amount, currency);
}

/** Payments held for review (paid, not at the catalog price; nothing credited), with a form to mark each resolved. */
export function adminPaymentReviewsPage(
  view: ViewContext,
  input: { reviews: PaymentReviewLine[]; flash?: AdminFlash },
): SafeHtml {
  const { t, locale } = view;
  const resolveCell = (review: PaymentReviewLine): SafeHtml =>
    review.status === 'resolved'
      ? html`${review.resolution ?? ''}<br><span class="muted">${review.resolvedAt ? formatDateTime(locale, review.resolvedAt) : ''} ${review.resolvedBy ?? ''}</span>`
      : html`<form method="post" action="/admin/payment-reviews/${review.id}/resolve" class="stack">${csrfField(view)}<label>${t('web.admin.reviews.field.resolution')}<input type="text" name="resolution" required maxlength="500" autocomplete="off"></label><button type="submit">${t('web.admin.reviews.resolve')}</button></form>`;
  const rows =
    input.reviews.length === 0
      ? html`<p class="muted">${t('web.admin.reviews.empty')}</p>`
      : html`<div class="table-wrap"><table data-testid="payment-reviews"><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.reviews.col.object')}</th><th scope="col">${t('web.admin.reviews.col.account')}</th><th scope="col">${t('web.admin.reviews.col.product')}</th><th scope="col" class="num">${t('web.admin.reviews.col.expected')}</th><th scope="col" class="num">${t('web.admin.reviews.col.paid')}</th><th scope="col">${t('web.admin.reviews.col.reason')}</th><th scope="col">${t('web.admin.col.status')}</th><th scope="col">${t('web.admin.reviews.col.resolution')}</th></tr></thead><tbody>
${input.reviews.map((review) => html`<tr><td>${formatDateTime(locale, review.at)}</td><td>${view.tx(`web.admin.provider.${review.provider}`, review.provider)}<br><code>${review.objectId}</code></td><td>${review.userId ? html`<a href="/admin/users/${review.userId}">${review.userId.slice(0, 8)}</a>` : '-'}</td><td>${review.productKind} ${review.productId ?? ''}</td><td class="num">${moneyOf(view, review.provider, review.expectedAmount, review.expectedCurrency)}</td><td class="num">${moneyOf(view, review.provider, review.paidAmount, review.paidCurrency)}</td><td>${view.tx(`web.admin.reviews.reason.${review.reason}`, review.reason)}</td><td>${t(`web.admin.reviews.status.${review.status}`)}</td><td>${resolveCell(review)}</td></tr>`)}
</tbody></table></div>`;
  return adminLayout(view, {
    title: t('web.admin.reviews.title'),
    body: html`${flashOf(input)}<p>${t('web.admin.reviews.intro')}</p>${rows}`,
  });
}

/** Open appeals, oldest first: who, when, the suspension, the blocked prompts behind it, the appeal, and lift or keep. */
export function adminAppealsPage(
  view: ViewContext,
  input: { appeals: OpenAppealLine[]; flash?: AdminFlash },
): SafeHtml {
  const { t, locale } = view;
  const item = (appeal: OpenAppealLine) => html`<section class="card" data-testid="appeal">
<p>${t('web.admin.appeals.filed', { date: formatDateTime(locale, appeal.filedAt) })} <a href="/admin/users/${appeal.userId}">${appeal.userId}</a></p>
<p>${t('web.admin.appeals.suspension', {
    start: formatDateTime(locale, appeal.suspension.startsAt),
    until: appeal.suspension.endsAt ? formatDateTime(locale, appeal.suspension.endsAt) : '∞',
    reason: appeal.suspension.reason,
    category: appeal.suspension.category ?? '-',
  })}</p>
${
  appeal.prompts.length === 0
    ? html`<p class="muted">${t('web.admin.appeals.no_prompt')}</p>`
    : appeal.prompts.map(
        (prompt) =>
          html`<p>${t('web.admin.appeals.prompt', { date: formatDateTime(locale, prompt.at), categories: prompt.categories.join(', ') })}</p><blockquote data-testid="appeal-prompt">${prompt.prompt}</blockquote>`,
      )
}
<p>${t('web.admin.appeals.text')}</p><blockquote data-testid="appeal-text">${appeal.text}</blockquote>
<form method="post" action="/admin/appeals/${appeal.id}/lift" class="inline">${csrfField(view)}<button type="submit">${t('web.admin.appeals.lift')}</button></form>
<form method="post" action="/admin/appeals/${appeal.id}/keep" class="inline">${csrfField(view)}<button type="submit" class="secondary">${t('web.admin.appeals.keep')}</button></form>
</section>`;
  return adminLayout(view, {
    title: t('web.admin.appeals.title'),
    body: html`${flashOf(input)}${input.appeals.length === 0 ? html`<p>${t('web.admin.appeals.empty')}</p>` : input.appeals.map(item)}`,
  });
}

/** Open reports of published pages, each with the page, the reason, and unpublish or dismiss (both confirmed first). */
export function adminShareReportsPage(
  view: ViewContext,
  input: { reports: ShareReportLine[]; flash?: AdminFlash },
): SafeHtml {
  const { t, locale } = view;
  const item = (report: ShareReportLine) => html`<section class="card" data-testid="share-report">
<p>${t('web.admin.reports.filed', { date: formatDateTime(locale, report.at) })} <a href="/admin/users/${report.ownerId}">${report.ownerId}</a></p>
<p>${report.publishedSlug ? html`<a href="/s/${report.publishedSlug}" data-testid="reported-page">/s/${report.publishedSlug}</a>` : t('web.admin.reports.not_published')}</p>
<blockquote data-testid="report-reason">${report.reason}</blockquote>
${report.publishedSlug ? html`<form method="post" action="/admin/reports/${report.id}/unpublish" class="inline">${csrfField(view)}<button type="submit" class="danger">${t('web.admin.reports.unpublish')}</button></form>` : ''}
<form method="post" action="/admin/reports/${report.id}/dismiss" class="inline">${csrfField(view)}<button type="submit" class="secondary">${t('web.admin.reports.dismiss')}</button></form>
</section>`;
  return adminLayout(view, {
    title: t('web.admin.reports.title'),
    body: html`${flashOf(input)}${input.reports.length === 0 ? html`<p>${t('web.admin.reports.empty')}</p>` : input.reports.map(item)}`,
  });
}
