import { MIN_PASSWORD_LENGTH, MINIMUM_AGE, type LinkRequest } from '#core';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

/** Values a form is re-shown with after an error (never the password). */
export type FormValues = Record<string, string | undefined>;

function googleButton(view: ViewContext, next: string): SafeHtml {
  if (!view.isGoogleEnabled) return html``;
  return html`<p class="divider">${view.t('web.auth.or')}</p>
<p><a class="button secondary" href="/auth/google?next=${encodeURIComponent(next)}">${view.t('web.auth.google')}</a></p>`;
}

function termsChecks(view: ViewContext): SafeHtml {
  const { t } = view;
  return html`<label class="check"><input type="checkbox" name="age" value="yes" required> <span>${t('web.auth.age_confirm', { age: MINIMUM_AGE })}</span></label>
<label class="check"><input type="checkbox" name="terms" value="yes" required> <span>${t('web.auth.terms_accept_before')} <a href="/terms">${t('web.footer.terms')}</a> ${t('web.auth.terms_accept_and')} <a href="/privacy">${t('web.footer.privacy')}</a></span></label>`;
}

/** Registration: email, password, display name, 13+ and the terms. */
export function registerPage(
  view: ViewContext,
  input: { error?: string; values?: FormValues; next: string },
): SafeHtml {
  const { t } = view;
  const values = input.values ?? {};
  return layout(view, {
    title: t('web.register.title'),
    body: html`${notice('error', input.error)}
<form method="post" action="/register" class="stack">
${csrfField(view)}
<input type="hidden" name="next" value="${input.next}">
<label>${t('web.field_label.email')}<input type="email" name="email" autocomplete="email" required maxlength="254" value="${values.email ?? ''}"></label>
<label>${t('web.field_label.display_name')}<input type="text" name="displayName" autocomplete="nickname" required maxlength="60" value="${values.displayName ?? ''}"></label>
<label>${t('web.field_label.new_password')}<input type="password" name="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="200" aria-describedby="password-hint"><span id="password-hint" class="muted">${t('web.field_hint.password', { min: MIN_PASSWORD_LENGTH })}</span></label>
${termsChecks(view)}
<button type="submit">${t('web.register.submit')}</button>
</form>
${googleButton(view, input.next)}
<p>${t('web.register.have_account')} <a href="/login">${t('web.nav.sign_in')}</a></p>`,
  });
}

/** Sign-in with email and password (and Google when configured). */
export function loginPage(
  view: ViewContext,
  input: { error?: string; info?: string; email?: string; next: string },
): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.login.title'),
    body: html`${notice('error', input.error)}${notice('success', input.info)}
<form method="post" action="/login" class="stack">
${csrfField(view)}
<input type="hidden" name="next" value="${input.next}">
<label>${t('web.field_label.email')}<input type="email" name="email" autocomplete="username" required value="${input.email ?? ''}"></label>
<label>${t('web.field_label.password')}<input type="password" name="password" autocomplete="current-password" required maxlength="200"></label>
<button type="submit">${t('web.login.submit')}</button>
</form>
<p><a href="/forgot-password">${t('web.login.forgot')}</a></p>
${googleButton(view, input.next)}
<p>${t('web.login.no_account')} <a href="/register">${t('web.nav.register')}</a></p>`,
  });
}

/** Asking for a reset link. */
export function forgotPasswordPage(view: ViewContext, input: { error?: string; isSent?: boolean }): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.forgot.title'),
    body: input.isSent
      ? notice('success', t('web.forgot.sent'))
      : html`${notice('error', input.error)}<p>${t('web.forgot.intro')}</p>
<form method="post" action="/forgot-password" class="stack">${csrfField(view)}
<label>${t('web.field_label.email')}<input type="email" name="email" autocomplete="email" required></label>
<button type="submit">${t('web.forgot.submit')}</button></form>`,
  });
}

/** Choosing a new password with a reset link (or saying the link is no good). */
export function resetPasswordPage(
  view: ViewContext,
  input: { token: string; isUsable: boolean; error?: string },
): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.reset.title'),
    body: !input.isUsable
      ? html`${notice('error', t('errors.token_invalid'))}<p><a href="/forgot-password">${t('web.reset.again')}</a></p>`
      : html`${notice('error', input.error)}
<form method="post" action="/reset-password/${input.token}" class="stack">${csrfField(view)}
<label>${t('web.field_label.new_password')}<input type="password" name="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="200"><span class="muted">${t('web.field_hint.password', { min: MIN_PASSWORD_LENGTH })}</span></label>
<button type="submit">${t('web.reset.submit')}</button></form>`,
  });
}

/** Accepting the terms (after a Google sign-up, a link from a chat, or a change of terms). */
export function welcomePage(view: ViewContext, input: { error?: string; next: string }): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.welcome.title'),
    body: html`${notice('error', input.error)}<p>${t('web.welcome.intro')}</p>
<form method="post" action="/welcome" class="stack">${csrfField(view)}
<input type="hidden" name="next" value="${input.next}">
${termsChecks(view)}
<button type="submit">${t('web.welcome.submit')}</button></form>`,
  });
}

/** A short page with one message and a link onward. */
export function messagePage(
  view: ViewContext,
  input: { title: string; kind: 'error' | 'info' | 'success'; message: string; link?: { href: string; label: string } },
): SafeHtml {
  return layout(view, {
    title: input.title,
    body: html`${notice(input.kind, input.message)}${input.link ? html`<p><a href="${input.link.href}">${input.link.label}</a></p>` : ''}`,
  });
}

/** Confirming the undo of an email change (a POST, so a mail scanner opening the link changes nothing). */
export function undoEmailChangePage(
  view: ViewContext,
  input: { token: string; email: string; error?: string },
): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.undo_email.title'),
    body: html`${notice('error', input.error)}<p>${t('web.undo_email.intro', { email: input.email })}</p>
<form method="post" action="/undo-email-change/${input.token}" class="stack">${csrfField(view)}<button type="submit">${t('web.undo_email.submit')}</button></form>`,
  });
}

/** The website half of linking: names exactly which chat account would be joined, and what happens next. */
export function linkPage(view: ViewContext, input: { token: string; request: LinkRequest; error?: string }): SafeHtml {
  const { t } = view;
  const { request } = input;
  const platform = view.tx(`web.platform.${request.platform}`, request.platform);
  const none = t('web.link.none');
  return layout(view, {
    title: t('web.link.title'),
    body: html`${notice('error', input.error)}<p>${t('web.link.intro', { platform })}</p>
<dl class="facts" data-testid="chat-account">
<dt>${t('web.link.field_platform')}</dt><dd>${platform}</dd>
<dt>${t('web.link.field_username')}</dt><dd>${request.username ? `@${request.username}` : none}</dd>
<dt>${t('web.link.field_name')}</dt><dd>${request.displayName ?? none}</dd>
<dt>${t('web.link.field_id')}</dt><dd>${request.platformUserId}</dd>
</dl>
<p class="muted">${t('web.link.what_moves')}</p>
<p>${t('web.link.two_steps')}</p>
<form method="post" action="/link/${input.token}" class="stack">${csrfField(view)}<button type="submit">${t('web.link.submit')}</button></form>`,
  });
}
