import type { Locale } from '#core';
import type { FeaturedPicture, ImagePrice } from '#core';
import { formatMoney } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

/** The price of one image: its credits and, from the cheapest pack, about what that is in money. */
function priceOfImage(view: ViewContext, price: ImagePrice): SafeHtml {
  const { t, locale } = view;
  if (!price.money) return html`<p class="price">${t('web.home.price_credits', { credits: price.credits })}</p>`;
  const { amountMinor, currency, packAmount, packCredits } = price.money;
  return html`<p class="price">${t('web.home.price', { credits: price.credits, money: formatMoney(locale, amountMinor, currency) })}</p>
<p class="muted">${t('web.home.price_basis', { packPrice: formatMoney(locale, packAmount, currency), packCredits })}</p>`;
}

/** The home page: what the service makes (pictures with their prompts), what one image costs, and where to go. */
export function homePage(view: ViewContext, input: { featured: FeaturedPicture[]; price: ImagePrice }): SafeHtml {
  const { t } = view;
  const pictures =
    input.featured.length === 0
      ? html``
      : html`<section aria-labelledby="examples-h"><h2 id="examples-h">${t('web.home.examples')}</h2>
<div class="grid showcase">${input.featured.map(
          (picture) =>
            html`<figure><img src="${picture.imageUrl}" alt="${picture.prompt}" width="512" height="512" loading="lazy"><figcaption>${picture.prompt}</figcaption></figure>`,
        )}</div></section>`;
  return layout(view, {
    title: t('web.home.title'),
    body: html`<p>${t('web.home.intro')}</p>
<ul><li>${t('web.home.point_chat')}</li><li>${t('web.home.point_credits')}</li><li>${t('web.home.point_privacy')}</li></ul>
${priceOfImage(view, input.price)}
<p>${view.user ? '' : html`<a class="button" href="/register">${t('web.home.cta')}</a> `}<a class="button${view.user ? '' : ' secondary'}" href="/create">${t('web.create.title')}</a> <a class="button secondary" href="/pricing">${t('web.nav.pricing')}</a></p>
${pictures}`,
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
