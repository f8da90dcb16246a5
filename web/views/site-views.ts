import type { Locale } from '#core';
import { html, type SafeHtml } from '#web/html/html';
import { layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

/** The home page: what the service is and where to go. */
export function homePage(view: ViewContext): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.home.title'),
    body: html`<p>${t('web.home.intro')}</p>
<ul><li>${t('web.home.point_chat')}</li><li>${t('web.home.point_credits')}</li><li>${t('web.home.point_privacy')}</li></ul>
<p>${view.user ? '' : html`<a class="button" href="/register">${t('web.home.cta')}</a> `}<a class="button${view.user ? '' : ' secondary'}" href="/create">${t('web.create.title')}</a> <a class="button secondary" href="/pricing">${t('web.nav.pricing')}</a></p>`,
  });
}

/** A legal document rendered from its markdown file. */
export function legalPage(
  view: ViewContext,
  input: { title: string; content: SafeHtml; locale: Locale; note: string | undefined },
): SafeHtml {
  return layout(view, {
    title: input.title,
    body: html`${notice('info', input.note)}<div class="legal" lang="${input.locale}">${input.content}</div>`,
  });
}

/** An error page: the localized message, and a reference for support on unexpected errors. */
export function errorPage(view: ViewContext, input: { status: number; message: string }): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: input.status === 404 ? t('web.error.not_found_title') : t('web.error.title'),
    body: html`${notice('error', input.message)}<p><a href="/">${t('web.error.home')}</a></p>`,
  });
}
