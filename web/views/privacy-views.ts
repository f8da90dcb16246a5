import { EMAIL_REQUEST_KINDS, ERASE_PHRASES, type DataRequestLine } from '#core';
import { formatDateTime } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

type Flash = { kind: 'error' | 'info' | 'success'; message: string };

function erasePhrase(view: ViewContext): string {
  return view.locale === 'zh-CN' ? ERASE_PHRASES[1] : ERASE_PHRASES[0];
}

function requestsTable(view: ViewContext, requests: DataRequestLine[]): SafeHtml {
  const { t, locale } = view;
  if (requests.length === 0) return html`<p class="muted">${t('web.privacy.no_requests')}</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th>${t('web.privacy.col_request')}</th><th>${t('web.privacy.col_made')}</th><th>${t('web.privacy.col_status')}</th><th>${t('web.privacy.col_outcome')}</th></tr></thead><tbody>
${requests.map((request) => html`<tr><td>${view.tx(`web.dsr.kind.${request.kind}`, request.kind)}</td><td>${formatDateTime(locale, request.createdAt)}</td><td>${view.tx(`web.dsr.status.${request.status}`, request.status)}${request.completedAt ? html`<br><span class="muted">${formatDateTime(locale, request.completedAt)}</span>` : ''}</td><td>${request.outcome ? view.tx(`web.dsr.outcome.${request.outcome}`, request.outcome) : '—'}</td></tr>`)}
</tbody></table></div>`;
}

/** Privacy self-service: export, restriction, objection, erasure, and the record of requests. */
export function privacyCenterPage(view: ViewContext, input: { requests: DataRequestLine[]; flash?: Flash }): SafeHtml {
  const { t } = view;
  const user = view.user;
  const toggle = (choice: 'restriction' | 'objection', isOn: boolean) =>
    html`<form method="post" action="/account/privacy/${choice}" class="stack">${csrfField(view)}<input type="hidden" name="on" value="${isOn ? 'no' : 'yes'}">
<button type="submit" class="secondary">${view.tx(`web.privacy.${choice}_${isOn ? 'lift' : 'set'}`, choice)}</button></form>`;
  return layout(view, {
    title: t('web.privacy.title'),
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}
<p>${t('web.privacy.intro')} <a href="/privacy">${t('web.footer.privacy')}</a></p>
<section class="card"><h2>${t('web.privacy.export_h')}</h2><p>${t('web.privacy.export_text')}</p>
<form method="post" action="/account/privacy/export">${csrfField(view)}<button type="submit">${t('web.privacy.export_button')}</button></form></section>
<section class="card"><h2>${t('web.privacy.rectify_h')}</h2><p>${t('web.privacy.rectify_text')} <a href="/account/settings">${t('web.account.settings_link')}</a></p></section>
<section class="card"><h2>${t('web.privacy.restriction_h')}</h2><p>${t('web.privacy.restriction_text')}</p>
<p><strong>${t(user?.isProcessingRestricted ? 'web.privacy.state_on' : 'web.privacy.state_off')}</strong></p>${toggle('restriction', user?.isProcessingRestricted === true)}</section>
<section class="card"><h2>${t('web.privacy.objection_h')}</h2><p>${t('web.privacy.objection_text')}</p>
<p><strong>${t(user?.hasObjectedToAnalytics ? 'web.privacy.state_on' : 'web.privacy.state_off')}</strong></p>${toggle('objection', user?.hasObjectedToAnalytics === true)}</section>
<section class="card"><h2>${t('web.privacy.erase_h')}</h2><p>${t('web.privacy.erase_text')}</p>
<form method="post" action="/account/delete" class="stack">${csrfField(view)}
${
  user?.hasPassword
    ? html`<label>${t('web.privacy.erase_password')}<input type="password" name="password" autocomplete="current-password" required></label>`
    : html`<label>${t('web.privacy.erase_phrase', { phrase: erasePhrase(view) })}<input type="text" name="phrase" required autocomplete="off"></label>`
}
<button type="submit" class="danger">${t('web.privacy.erase_button')}</button></form></section>
<h2>${t('web.privacy.requests_h')}</h2>${requestsTable(view, input.requests)}
<p><a href="/account">${t('web.nav.back_to_account')}</a></p>`,
  });
}

/** A request by email for people who cannot sign in. */
export function dataRequestPage(view: ViewContext, input: { flash?: Flash; isSent?: boolean }): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.dsr.title'),
    body: input.isSent
      ? notice('success', t('web.dsr.sent'))
      : html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}<p>${t('web.dsr.intro')}</p>
<p class="muted">${t('web.dsr.signed_in_hint')} <a href="/account/privacy">${t('web.account.privacy_link')}</a></p>
<form method="post" action="/privacy/request" class="stack">${csrfField(view)}
<label>${t('web.field_label.email')}<input type="email" name="email" required autocomplete="email"></label>
<label>${t('web.dsr.kind_label')}<select name="kind">${EMAIL_REQUEST_KINDS.map((kind) => html`<option value="${kind}">${view.tx(`web.dsr.kind.${kind}`, kind)}</option>`)}</select></label>
<label>${t('web.dsr.message_label')}<textarea name="message" rows="4" maxlength="2000"></textarea></label>
<button type="submit">${t('web.dsr.submit')}</button></form>`,
  });
}

/** Confirming a verified emailed request (nothing happens on opening the link alone). */
export function dataRequestConfirmPage(
  view: ViewContext,
  input: { token: string; kind: string; flash?: Flash },
): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.dsr.confirm_title'),
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}<p>${t('web.dsr.confirm_intro', { kind: view.tx(`web.dsr.kind.${input.kind}`, input.kind) })}</p>
<form method="post" action="/privacy/request/${input.token}" class="stack">${csrfField(view)}
${input.kind === 'erase' ? html`<p>${t('web.privacy.erase_text')}</p><label>${t('web.privacy.erase_phrase', { phrase: erasePhrase(view) })}<input type="text" name="phrase" required autocomplete="off"></label>` : ''}
<button type="submit" class="${input.kind === 'erase' ? 'danger' : ''}">${t('web.dsr.confirm_button')}</button></form>`,
  });
}
