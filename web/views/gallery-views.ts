import { CREATION_SOURCES, type CreationCard, type CreationDetail, type GalleryPage } from '#core';
import { formatDateTime } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

type Flash = { kind: 'error' | 'info' | 'success'; message: string };

/** The filters a gallery page was asked for. */
export type GalleryFilters = {
  kind: 'image' | 'video' | undefined;
  source: (typeof CREATION_SOURCES)[number] | undefined;
};

/** The query string of a gallery page with these filters. */
export function galleryHref(filters: GalleryFilters, page: number): string {
  const query = new URLSearchParams();
  if (filters.kind) query.set('kind', filters.kind);
  if (filters.source) query.set('source', filters.source);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `/gallery?${text}` : '/gallery';
}

/** The picture (thumbnail), the inline video, or the retention placeholder of a creation. */
function preview(view: ViewContext, card: CreationCard, retentionDays: number): SafeHtml {
  const { t } = view;
  const first = card.outputs[0];
  if (!first)
    return html`<span class="placeholder" data-testid="expired">${t('web.gallery.expired', { days: retentionDays })}</span>`;
  if (card.kind === 'video')
    return html`<span class="media"><video src="/account/media/${first.id}" preload="metadata" controls playsinline muted></video></span>`;
  return html`<a class="media" href="/gallery/${card.id}"><img src="/gallery/thumb/${first.id}" alt="${card.prompt ?? t('kind.image')}" loading="lazy" width="384" height="384"></a>`;
}

function cardItem(view: ViewContext, card: CreationCard, retentionDays: number): SafeHtml {
  const { t, locale } = view;
  return html`<li data-testid="creation" data-id="${card.id}">${preview(view, card, retentionDays)}<div class="meta">
<p class="prompt"><a href="/gallery/${card.id}">${card.prompt ?? t('web.gallery.prompt_removed')}</a></p>
<p class="muted">${t('web.gallery.card_line', { model: card.model ?? '-', date: formatDateTime(locale, card.at), cost: card.cost })}</p>
${card.isPublished ? html`<p class="muted" data-testid="published">${t('web.gallery.published_badge')}</p>` : ''}
</div></li>`;
}

function filterForm(view: ViewContext, filters: GalleryFilters): SafeHtml {
  const { t } = view;
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  return html`<form method="get" action="/gallery" class="filters" role="search">
<label>${t('web.gallery.filter_kind')}<select name="kind">${option('', t('web.gallery.filter_all'), filters.kind)}${option('image', t('web.gallery.kind_image'), filters.kind)}${option('video', t('web.gallery.kind_video'), filters.kind)}</select></label>
<label>${t('web.gallery.filter_source')}<select name="source">${option('', t('web.gallery.filter_all'), filters.source)}${CREATION_SOURCES.map((source) => option(source, view.tx(`web.platform.${source}`, source), filters.source))}</select></label>
<button type="submit" class="secondary">${t('web.gallery.filter_apply')}</button></form>`;
}

/** `/gallery`: the account's creations as a grid, newest first, with filters and paging. */
export function galleryPage(
  view: ViewContext,
  input: { page: GalleryPage; filters: GalleryFilters; retentionDays: number; flash?: Flash | undefined },
): SafeHtml {
  const { t } = view;
  const { page, filters } = input;
  const pager =
    page.page > 1 || page.hasNext
      ? html`<nav class="pager" aria-label="${t('web.gallery.pages')}">${page.page > 1 ? html`<a href="${galleryHref(filters, page.page - 1)}" rel="prev">${t('web.gallery.newer')}</a>` : html`<span></span>`}<span class="muted">${t('web.gallery.page', { page: page.page })}</span>${page.hasNext ? html`<a href="${galleryHref(filters, page.page + 1)}" rel="next">${t('web.gallery.older')}</a>` : html`<span></span>`}</nav>`
      : html``;
  const body =
    page.items.length === 0
      ? html`<p data-testid="gallery-empty">${t(filters.kind || filters.source || page.page > 1 ? 'web.gallery.empty_filtered' : 'web.gallery.empty')}</p>`
      : html`<ul class="gallery">${page.items.map((card) => cardItem(view, card, input.retentionDays))}</ul>`;
  return layout(view, {
    title: t('web.gallery.title'),
    isWide: true,
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}${filterForm(view, filters)}${body}${pager}`,
  });
}

function optionList(view: ViewContext, creation: CreationDetail): SafeHtml {
  const { t } = view;
  const { options } = creation;
  const rows: [string, string | number | undefined | null][] = [
    [t('web.gallery.option_model'), creation.model],
    [t('web.gallery.option_aspect'), options.aspectRatio],
    [t('web.gallery.option_count'), creation.kind === 'image' ? options.count : undefined],
    [
      t('web.gallery.option_quality'),
      creation.kind === 'image' && options.quality
        ? view.tx(`web.gallery.quality.${options.quality}`, options.quality)
        : undefined,
    ],
    [t('web.gallery.option_duration'), creation.kind === 'video' ? options.durationSeconds : undefined],
    [t('web.gallery.option_seed'), options.seed ?? t('web.gallery.seed_random')],
    [t('web.gallery.option_template'), creation.templateId],
    [
      t('web.gallery.option_source'),
      creation.source ? view.tx(`web.platform.${creation.source}`, creation.source) : undefined,
    ],
    [t('web.gallery.option_cost'), creation.cost],
  ];
  return html`<dl class="options" data-testid="options">${rows
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([label, value]) => html`<dt>${label}</dt><dd>${String(value)}</dd>`)}</dl>`;
}

function shareSection(view: ViewContext, creation: CreationDetail, shareUrl: string | undefined): SafeHtml {
  const { t } = view;
  const { share } = creation;
  const state =
    share.isPublished && shareUrl
      ? html`<p data-testid="share-state">${t('web.gallery.share_on')} <a href="${shareUrl}" data-testid="share-link">${shareUrl}</a></p>`
      : html`<p data-testid="share-state">${t('web.gallery.share_off')}</p>`;
  const form = html`<form method="post" action="/gallery/${creation.id}/share" class="stack">${csrfField(view)}
<label class="check"><input type="checkbox" name="published" value="yes"${share.isPublished ? html` checked` : ''}> ${t('web.gallery.share_publish')}</label>
<label class="check"><input type="checkbox" name="showPrompt" value="yes"${share.isPromptShared ? html` checked` : ''}> ${t('web.gallery.share_show_prompt')}</label>
<button type="submit" class="secondary">${t('web.gallery.share_save')}</button></form>`;
  return html`<section class="card" aria-labelledby="share-h"><h2 id="share-h">${t('web.gallery.share_title')}</h2>${state}${creation.isExpired ? html`<p class="muted">${t('web.gallery.share_expired')}</p>` : form}</section>`;
}

/** `/gallery/<id>`: one creation large, with its options and seed, download, again, vary, share and delete. */
export function creationPage(
  view: ViewContext,
  input: { creation: CreationDetail; shareUrl: string | undefined; retentionDays: number; flash?: Flash | undefined },
): SafeHtml {
  const { t, locale } = view;
  const { creation, retentionDays } = input;
  const pictures = creation.isExpired
    ? html`<p class="placeholder" data-testid="expired">${t('web.gallery.expired', { days: retentionDays })}</p>`
    : creation.outputs.map(
        (output, index) =>
          html`<figure>${
            creation.kind === 'video'
              ? html`<video src="/account/media/${output.id}" preload="metadata" controls playsinline></video>`
              : html`<img src="/account/media/${output.id}" alt="${creation.prompt ?? t('kind.image')}"${output.width ? html` width="${String(output.width)}" height="${String(output.height ?? output.width)}"` : ''}>`
          }<figcaption><a class="button secondary" href="/gallery/media/${output.id}/download" download data-testid="download">${t('web.gallery.download')}</a>${
            creation.kind === 'image'
              ? html` <a class="button secondary" href="/create?vary=${creation.id}&amp;image=${String(index + 1)}">${t('web.gallery.vary')}</a>`
              : ''
          }</figcaption></figure>`,
      );
  return layout(view, {
    title: t('web.gallery.creation_title'),
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}
<p><a href="/gallery">${t('web.gallery.back')}</a></p>
<div class="large">${pictures}</div>
<p class="prompt" data-testid="prompt">${creation.prompt ?? t('web.gallery.prompt_removed')}</p>
<p class="muted">${formatDateTime(locale, creation.at)}</p>
${optionList(view, creation)}
<p><a class="button" href="/create?again=${creation.id}">${t('web.gallery.again')}</a></p>
${shareSection(view, creation, input.shareUrl)}
<section class="card" aria-labelledby="delete-h"><h2 id="delete-h">${t('web.gallery.delete_title')}</h2><p>${t('web.gallery.delete_explain')}</p>
<form method="post" action="/gallery/${creation.id}/delete" class="inline">${csrfField(view)}<button type="submit" class="danger">${t('web.gallery.delete')}</button></form></section>`,
  });
}

/** The confirmation of a delete: nothing is deleted until this form is sent. */
export function deleteConfirmPage(view: ViewContext, creation: CreationDetail): SafeHtml {
  const { t } = view;
  return layout(view, {
    title: t('web.gallery.delete_confirm_title'),
    body: html`<section class="card"><p class="prompt">${creation.prompt ?? t('web.gallery.prompt_removed')}</p>
<p>${t('web.gallery.delete_explain')}</p>
<form method="post" action="/gallery/${creation.id}/delete" class="inline">${csrfField(view)}<input type="hidden" name="confirmed" value="yes"><button type="submit" class="danger" data-testid="confirm-delete">${t('web.gallery.delete_confirm')}</button></form>
<a href="/gallery/${creation.id}">${t('web.gallery.delete_cancel')}</a></section>`,
  });
}
