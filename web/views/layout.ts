import { LOCALE_NAMES, LOCALES, TERMS_VERSION } from '#core';
import { html, type SafeHtml } from '#web/html/html';
import type { ViewContext } from '#web/views/view-context';
import { CSRF_FIELD } from '#web/middleware/csrf';

/** The hidden CSRF field every form carries. */
export function csrfField(view: ViewContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${view.csrfToken}">`;
}

/** An alert box for a message (errors are announced to screen readers). */
export function notice(kind: 'error' | 'info' | 'success', message: string | undefined): SafeHtml {
  if (!message) return html``;
  return html`<p class="notice notice-${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</p>`;
}

/** Links to every other language, each named in itself. */
function languageSwitch(view: ViewContext): SafeHtml {
  const next = encodeURIComponent(view.path);
  return html`<span class="languages">${LOCALES.filter((code) => code !== view.locale).map(
    (code) => html`<a href="/lang/${code}?next=${next}" lang="${code}" hreflang="${code}">${LOCALE_NAMES[code]}</a> `,
  )}</span>`;
}

/** The page frame: header with navigation and language switch, main content, footer with the legal links; `head` adds to the head (a page's script, a share page's Open Graph). */
export function layout(
  view: ViewContext,
  page: { title: string; body: SafeHtml; head?: SafeHtml; isWide?: boolean },
): SafeHtml {
  const { t } = view;
  const account = view.user
    ? html`${view.isAdmin ? html`<a href="/admin">${t('web.nav.admin')}</a> ` : ''}<a href="/gallery">${t('web.nav.gallery')}</a> <a href="/account">${t('web.nav.account')}</a>
        <form method="post" action="/logout" class="inline">${csrfField(view)}<button type="submit" class="link">${t('web.nav.sign_out')}</button></form>`
    : html`<a href="/login">${t('web.nav.sign_in')}</a> <a href="/register">${t('web.nav.register')}</a>`;
  return html`<!doctype html>
<html lang="${view.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${t('web.site_name')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/site.css">
${page.head ?? ''}
</head>
<body>
<a class="skip" href="#main">${t('web.nav.skip')}</a>
<header class="site">
<a class="brand" href="/">${t('web.site_name')}</a>
<nav aria-label="${t('web.nav.label')}"><a href="/create">${t('web.nav.create')}</a> <a href="/pricing">${t('web.nav.pricing')}</a> ${account} ${languageSwitch(view)}</nav>
</header>
<main id="main"${page.isWide ? html` class="wide"` : ''}>
<h1>${page.title}</h1>
${page.body}
</main>
<footer class="site">
<nav aria-label="${t('web.footer.label')}">
<a href="/privacy">${t('web.footer.privacy')}</a>
<a href="/terms">${t('web.footer.terms')}</a>
<a href="/privacy/request">${t('web.footer.data_request')}</a>
<a href="mailto:${view.supportEmail}">${t('web.footer.support', { email: view.supportEmail })}</a>
</nav>
<p>${t('web.footer.version', { version: TERMS_VERSION })}</p>
</footer>
</body>
</html>`;
}
