import { type AccountOverview, LOCALE_NAMES, LOCALES, planName, type SuspensionStatus } from '#core';
import { formatDate, formatDateTime, formatMoney } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

function balanceCard(view: ViewContext, overview: AccountOverview): SafeHtml {
  const { t, locale } = view;
  const { balance } = overview;
  return html`<section class="card" aria-labelledby="balance-h"><h2 id="balance-h">${t('web.account.balance')}</h2>
<p class="balance" data-testid="balance">${t('web.account.credits', { credits: balance.available })}</p>
${balance.reserved > 0 ? html`<p>${t('balance.reserved', { reserved: balance.reserved })}</p>` : ''}
${balance.nextExpiry ? html`<p class="muted">${t('balance.expiry', { amount: balance.nextExpiry.amount, date: formatDate(locale, balance.nextExpiry.at) })}</p>` : ''}
${balance.debt > 0 ? notice('error', t('balance.debt', { debt: balance.debt })) : ''}
<p><a class="button" href="/pricing">${t('web.account.buy')}</a></p></section>`;
}

/** The invite links, how invitations are rewarded, and what they earned. */
function referralCard(view: ViewContext, overview: AccountOverview): SafeHtml {
  const { t } = view;
  const { referral } = overview;
  return html`<section class="card" aria-labelledby="referral-h" data-testid="referral"><h2 id="referral-h">${t('web.account.referral.title')}</h2>
<p>${t('web.account.referral.how', { inviterCredits: referral.inviterCredits, inviteeCredits: referral.inviteeCredits })}</p>
<p>${t('web.account.referral.web_link')}: <code>${referral.links.web}</code></p>
${referral.links.telegram ? html`<p>${t('web.account.referral.telegram_link')}: <code>${referral.links.telegram}</code></p>` : ''}
<p class="muted">${t('referral.earned', { buyers: referral.buyers, credits: referral.creditsEarned })}</p></section>`;
}

function planCard(view: ViewContext, overview: AccountOverview): SafeHtml {
  const { t, locale } = view;
  const plan = overview.subscription;
  const portal = overview.hasBillingAccount
    ? html`<form method="post" action="/account/billing-portal">${csrfField(view)}<button type="submit" class="secondary">${t('web.account.manage_billing')}</button></form>`
    : html``;
  const state = plan
    ? html`<p>${t('web.account.plan_line', { plan: planName(view.locale, plan.planId), status: view.tx(`web.subscription_status.${plan.status}`, plan.status) })}</p>
${plan.currentPeriodEnd ? html`<p class="muted">${plan.cancelAtPeriodEnd ? t('web.account.plan_ends', { date: formatDate(locale, plan.currentPeriodEnd) }) : t('web.account.plan_renews', { date: formatDate(locale, plan.currentPeriodEnd) })}</p>` : ''}`
    : html`<p>${t('web.account.no_plan')} <a href="/pricing">${t('web.nav.pricing')}</a></p>`;
  return html`<section class="card" aria-labelledby="plan-h"><h2 id="plan-h">${t('web.account.plan')}</h2>${state}${portal}</section>`;
}

/** The newest few creations with prompt and date, each opening in the gallery, and the link to all of them. */
function creations(view: ViewContext, overview: AccountOverview): SafeHtml {
  const { t, locale } = view;
  const items = overview.creations;
  return html`<section aria-labelledby="creations-h"><h2 id="creations-h">${t('web.account.creations')}</h2>${
    items.length === 0
      ? html`<p class="muted">${t('web.gallery.empty')}</p>`
      : html`<ul class="gallery">${items.map((creation) => {
          const first = creation.mediaIds[0];
          const picture = !first
            ? html`<span class="placeholder">${t('web.gallery.expired_short')}</span>`
            : creation.kind === 'image'
              ? html`<img src="/gallery/thumb/${first}" alt="${creation.prompt ?? t('kind.image')}" loading="lazy" width="384" height="384">`
              : html`<span class="placeholder">${t('kind.video')}</span>`;
          return html`<li data-testid="recent-creation"><a class="media" href="/gallery/${creation.id}">${picture}</a><div class="meta"><p class="prompt">${creation.prompt ?? t('web.gallery.prompt_removed')}</p><p class="muted">${formatDateTime(locale, creation.at)}</p></div></li>`;
        })}</ul>`
  }<p><a href="/gallery" data-testid="gallery-link">${t('web.account.open_gallery')}</a></p></section>`;
}

/** Why credits were granted, when the reason is one of ours (`pack:<id>` from Stars counts as a pack). */
function grantReason(view: ViewContext, kind: string, reason: string | null): SafeHtml {
  if (kind !== 'grant' || !reason) return html``;
  const known = reason.startsWith('pack') ? 'pack' : reason;
  const key = `web.grant_reason.${known}`;
  return view.tx(key, '') ? html` <span class="muted">(${view.tx(key, '')})</span>` : html``;
}

function ledgerTable(view: ViewContext, overview: AccountOverview): SafeHtml {
  const { t, locale } = view;
  if (overview.ledger.length === 0) return html`<p class="muted">${t('web.account.ledger_empty')}</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th>${t('web.account.when')}</th><th>${t('web.account.what')}</th><th class="num">${t('web.account.change')}</th></tr></thead><tbody>
${overview.ledger.map((line) => html`<tr><td>${formatDateTime(locale, line.at)}</td><td>${view.tx(`ledger.${line.kind}`, line.kind)}${grantReason(view, line.kind, line.reason)}</td><td class="num">${line.delta > 0 ? `+${line.delta}` : String(line.delta)}</td></tr>`)}
</tbody></table></div>`;
}

function paymentsTable(view: ViewContext, overview: AccountOverview): SafeHtml {
  const { t, locale } = view;
  if (overview.payments.length === 0) return html`<p class="muted">${t('web.account.payments_empty')}</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th>${t('web.account.when')}</th><th>${t('web.account.product')}</th><th class="num">${t('web.account.amount')}</th><th class="num">${t('web.account.credits_col')}</th><th>${t('web.account.status')}</th></tr></thead><tbody>
${overview.payments.map((payment) => html`<tr><td>${formatDate(locale, payment.at)}</td><td>${payment.productKind === 'plan' && payment.productId ? t('product.plan', { plan: planName(view.locale, payment.productId) }) : t('product.pack', { credits: payment.credits })}</td><td class="num">${payment.provider === 'telegram_stars' ? `${payment.amount} ⭐` : formatMoney(locale, payment.amount, payment.currency)}</td><td class="num">${payment.credits}</td><td>${view.tx(`web.payment_status.${payment.status}`, payment.status)}</td></tr>`)}
</tbody></table></div>`;
}

/** One linked identity (platform and username) with its "Remove" form. */
function identityItem(view: ViewContext, identity: AccountOverview['identities'][number]): SafeHtml {
  const { t } = view;
  return html`<li data-testid="identity">${view.tx(`web.platform.${identity.provider}`, identity.provider)}${identity.username ? ` (${identity.username})` : ''}
<form method="post" action="/account/identities/${identity.id}/remove" class="inline">${csrfField(view)}<button type="submit" class="link">${t('web.account.identity_remove')}</button></form></li>`;
}

/** The current suspension in words, the newest appeal's outcome, and the appeal form while one can be filed. */
function suspensionCard(view: ViewContext, status: SuspensionStatus | undefined, appealText: string): SafeHtml {
  const { t, locale } = view;
  if (!status || (!status.current && !status.lastAppeal)) return html``;
  const appeal = status.lastAppeal;
  const outcome = !appeal
    ? html``
    : appeal.status === 'open'
      ? html`<p data-testid="appeal-status">${t('web.account.appeal.open', { date: formatDateTime(locale, appeal.filedAt) })}</p>`
      : html`<p data-testid="appeal-status">${t(`web.account.appeal.${appeal.status}`, { date: formatDateTime(locale, appeal.filedAt), decided: formatDateTime(locale, appeal.decidedAt ?? appeal.filedAt) })}</p>`;
  const form = status.current?.canAppeal
    ? html`<form method="post" action="/account/appeal" class="stack">${csrfField(view)}
<label>${t('web.account.appeal.label', { max: status.maxAppealLength })}<textarea name="text" rows="4" maxlength="${String(status.maxAppealLength)}" required>${appealText}</textarea></label>
<button type="submit">${t('web.account.appeal.submit')}</button></form>`
    : html``;
  return html`<section class="card" aria-labelledby="suspension-h"><h2 id="suspension-h">${t('web.account.suspension.title')}</h2>
${status.current ? html`<p data-testid="suspension">${t('web.account.suspension.active', { until: status.current.until, reason: status.current.reason })}</p>` : ''}${outcome}${form}</section>`;
}

/** The account page: suspension and appeal, balance, plan, creations, credit history, payments, linked sign-ins. */
export function accountPage(
  view: ViewContext,
  input: {
    overview: AccountOverview;
    suspension?: SuspensionStatus;
    appealText?: string;
    flash?: { kind: 'error' | 'info' | 'success'; message: string };
  },
): SafeHtml {
  const { t } = view;
  const user = view.user;
  const verify =
    user?.email && !user.isEmailVerified
      ? html`<div class="notice notice-info">${t('web.account.unverified', { email: user.email })}
<form method="post" action="/account/verify-email" class="inline">${csrfField(view)}<button type="submit" class="link">${t('web.account.resend')}</button></form></div>`
      : html``;
  return layout(view, {
    title: t('web.account.title', { name: user?.displayName ?? user?.email ?? '' }),
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}${verify}
${suspensionCard(view, input.suspension, input.appealText ?? '')}
<div class="grid">${balanceCard(view, input.overview)}${planCard(view, input.overview)}${referralCard(view, input.overview)}</div>
<p><a href="/account/settings">${t('web.account.settings_link')}</a> · <a href="/account/privacy">${t('web.account.privacy_link')}</a></p>
${creations(view, input.overview)}
<h2>${t('web.account.history')}</h2>${ledgerTable(view, input.overview)}
<h2>${t('web.account.payments')}</h2>${paymentsTable(view, input.overview)}
<h2>${t('web.account.sign_ins')}</h2>
<ul class="identities">${user?.hasPassword ? html`<li>${t('web.account.sign_in_password')}</li>` : ''}${input.overview.identities.map((identity) => identityItem(view, identity))}</ul>
<p class="muted">${t('web.account.link_hint')}</p>`,
  });
}

/** Settings: display name, language, email (rectification). */
export function settingsPage(
  view: ViewContext,
  input: { flash?: { kind: 'error' | 'info' | 'success'; message: string } },
): SafeHtml {
  const { t } = view;
  const user = view.user;
  return layout(view, {
    title: t('web.settings.title'),
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}
<h2>${t('web.settings.profile')}</h2>
<form method="post" action="/account/profile" class="stack">${csrfField(view)}
<label>${t('web.field_label.display_name')}<input type="text" name="displayName" required maxlength="60" value="${user?.displayName ?? ''}"></label>
<label>${t('web.field_label.language')}<select name="locale">
${LOCALES.map((code) => html`<option value="${code}" lang="${code}" ${user?.locale === code ? 'selected' : ''}>${LOCALE_NAMES[code]}</option>`)}</select></label>
<button type="submit">${t('web.settings.save')}</button></form>
<h2>${t('web.settings.email')}</h2>
<p>${user?.email ? t('web.settings.current_email', { email: user.email }) : t('web.settings.no_email')}</p>
<form method="post" action="/account/email" class="stack">${csrfField(view)}
<label>${t('web.field_label.new_email')}<input type="email" name="email" required autocomplete="email"></label>
<button type="submit">${t('web.settings.change_email')}</button></form>
<h2>${t('web.settings.sessions')}</h2>
<p class="muted">${t('web.settings.sign_out_everywhere_hint')}</p>
<form method="post" action="/account/sign-out-everywhere" class="stack">${csrfField(view)}
<button type="submit">${t('web.settings.sign_out_everywhere')}</button></form>
<p><a href="/account">${t('web.nav.back_to_account')}</a></p>`,
  });
}
