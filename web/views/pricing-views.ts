import { type PriceTag, type Pricing, planName } from '#core';
import { formatMoney } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

function buyForm(view: ViewContext, tag: PriceTag, input: { token: string | undefined; canBuy: boolean }): SafeHtml {
  const { t } = view;
  if (!input.canBuy) return html``;
  return html`<form method="post" action="/checkout">${csrfField(view)}
<input type="hidden" name="kind" value="${tag.kind}"><input type="hidden" name="product" value="${tag.id}"><input type="hidden" name="currency" value="${tag.currency}">
${input.token ? html`<input type="hidden" name="t" value="${input.token}">` : ''}
<button type="submit" aria-label="${t(tag.kind === 'pack' ? 'web.pricing.buy_pack_label' : 'web.pricing.subscribe_label', { credits: tag.credits, plan: tag.kind === 'plan' ? planName(view.locale, tag.id) : tag.id, price: formatMoney(view.locale, tag.amount, tag.currency) })}">${tag.kind === 'pack' ? t('web.pricing.buy_pack') : t('web.pricing.subscribe')}</button></form>`;
}

/**
 * The pricing page: every pack and plan with its price shown before paying. Buy buttons appear
 * for a signed-in person or one arriving with a chat's signed link.
 */
export function pricingPage(
  view: ViewContext,
  input: {
    pricing: Pricing;
    token: string | undefined;
    buyer: 'session' | 'link' | undefined;
    notice?: { kind: 'error' | 'info'; message: string };
  },
): SafeHtml {
  const { t, locale } = view;
  const canBuy = input.pricing.isCardPaymentEnabled && input.buyer !== undefined;
  const packs = input.pricing.packs.map(
    (tag) => html`<article class="card"><h3>${t('web.pricing.pack_title', { credits: tag.credits })}</h3>
<p class="price">${formatMoney(locale, tag.amount, tag.currency)}</p>
<p class="muted">${input.pricing.packValidDays === null ? t('web.pricing.no_expiry') : t('web.pricing.valid_days', { days: input.pricing.packValidDays })}</p>
${buyForm(view, tag, { token: input.token, canBuy })}</article>`,
  );
  const plans = input.pricing.plans.map(
    (tag) => html`<article class="card"><h3>${t('web.pricing.plan_title', { plan: planName(view.locale, tag.id) })}</h3>
<p class="price">${t('web.pricing.per_month', { price: formatMoney(locale, tag.amount, tag.currency) })}</p>
<p class="muted">${t('web.pricing.plan_credits', { credits: tag.credits })}</p>
${buyForm(view, tag, { token: input.token, canBuy })}</article>`,
  );
  const modelRows = input.pricing.models.map((model) => {
    const { perImage, perSecond, hdMultiplier } = model.price;
    const price =
      model.kind === 'image'
        ? t('web.pricing.per_image', { price: perImage ?? 0 })
        : t('web.pricing.per_second', { price: perSecond ?? 0 });
    const hd = hdMultiplier === null ? t('web.pricing.no_hd') : t('web.pricing.hd', { hd: hdMultiplier });
    return html`<tr><td>${model.name} <code>${model.id}</code></td><td>${price}</td><td>${hd}</td></tr>`;
  });
  const status = !input.pricing.isCardPaymentEnabled
    ? notice('info', t('web.pricing.cards_off'))
    : input.buyer === 'link'
      ? notice('info', t('web.pricing.via_link'))
      : input.buyer === undefined
        ? html`<p class="notice notice-info">${t('web.pricing.sign_in_to_buy')} <a href="/login?next=/pricing">${t('web.nav.sign_in')}</a> · <a href="/register?next=/pricing">${t('web.nav.register')}</a></p>`
        : html``;
  return layout(view, {
    title: t('web.pricing.title'),
    body: html`${input.notice ? notice(input.notice.kind, input.notice.message) : ''}${status}
<p>${t('web.pricing.intro', input.pricing.costs)}</p>
<h2>${t('web.pricing.packs')}</h2><div class="grid">${packs}</div>
<h2>${t('web.pricing.plans')}</h2><div class="grid">${plans}</div>
<h2>${t('web.pricing.models')}</h2>
<div class="table-wrap"><table data-testid="models"><thead><tr><th scope="col">${t('web.pricing.model')}</th><th scope="col">${t('web.pricing.model_price')}</th><th scope="col">${t('web.pricing.hd_col')}</th></tr></thead><tbody>${modelRows}</tbody></table></div>
<p class="muted">${t('web.pricing.fine_print')} <a href="/terms">${t('web.footer.terms')}</a></p>`,
  });
}
