import { MAX_REPORT_REASON_LENGTH, type SharedCreation } from '#core';
import { formatDate } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

/** The absolute addresses a share page names (Open Graph needs them absolute). */
export type ShareLinks = { page: string; media: string; telegram: string | undefined; web: string };

/** Open Graph and Twitter card tags, so a shared link previews in chats. */
function openGraph(view: ViewContext, shared: SharedCreation, links: ShareLinks): SafeHtml {
  const { t } = view;
  const title = t('web.share.og_title');
  const description = shared.recipe ? shared.recipe.prompt.slice(0, 200) : t('web.share.og_description');
  const first = shared.outputs[0];
  const media =
    shared.kind === 'video'
      ? html`<meta property="og:type" content="video.other">
<meta property="og:video" content="${links.media}">
<meta property="og:video:type" content="${first?.mime ?? 'video/mp4'}">`
      : html`<meta property="og:type" content="website">
<meta property="og:image" content="${links.media}">
<meta property="og:image:type" content="${first?.mime ?? 'image/png'}">
${
  first?.width
    ? html`<meta property="og:image:width" content="${String(first.width)}">
<meta property="og:image:height" content="${String(first.height ?? first.width)}">`
    : ''
}
<meta property="og:image:alt" content="${description}">
<meta name="twitter:card" content="summary_large_image">`;
  return html`<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${links.page}">
<meta property="og:site_name" content="${t('web.site_name')}">
${media}
<meta name="robots" content="noindex">`;
}

/** `/s/<slug>`: a published creation for anyone, with the prompt and remix links when its owner shows them. */
export function sharePage(view: ViewContext, input: { shared: SharedCreation; links: ShareLinks }): SafeHtml {
  const { t, locale } = view;
  const { shared, links } = input;
  const pictures = shared.outputs.map((output, index) =>
    shared.kind === 'video'
      ? html`<figure><video src="/s/${shared.slug}/media/${String(index + 1)}" preload="metadata" controls playsinline></video></figure>`
      : html`<figure><img src="/s/${shared.slug}/media/${String(index + 1)}" alt="${shared.recipe?.prompt ?? t('web.share.og_description')}"${output.width ? html` width="${String(output.width)}" height="${String(output.height ?? output.width)}"` : ''}></figure>`,
  );
  const recipe = shared.recipe
    ? html`<p class="prompt" data-testid="shared-prompt">${shared.recipe.prompt}</p>
<dl class="options">${[
        [t('web.gallery.option_model'), shared.model],
        [t('web.gallery.option_aspect'), shared.recipe.options.aspectRatio],
        [
          t('web.gallery.option_quality'),
          shared.kind === 'image' && shared.recipe.options.quality
            ? view.tx(`web.gallery.quality.${shared.recipe.options.quality}`, shared.recipe.options.quality)
            : undefined,
        ],
        [t('web.gallery.option_duration'), shared.kind === 'video' ? shared.recipe.options.durationSeconds : undefined],
        [t('web.gallery.option_seed'), shared.recipe.options.seed],
      ]
        .filter(([, value]) => value !== undefined && value !== null)
        .map(([label, value]) => html`<dt>${label}</dt><dd>${String(value)}</dd>`)}</dl>
<section class="card" aria-labelledby="remix-h"><h2 id="remix-h">${t('web.share.remix_title')}</h2>
<p>${links.telegram ? html`<a class="button" href="${links.telegram}" data-testid="remix-telegram">${t('web.share.remix_telegram')}</a>` : ''}<a class="button secondary" href="${links.web}" data-testid="remix-web">${t('web.share.remix_web')}</a></p>
<p class="muted" data-testid="remix-discord">${t('web.share.remix_discord', { command: `/imagine ${shared.recipe.prompt}` })}</p></section>`
    : html`<p class="muted" data-testid="prompt-private">${t('web.share.prompt_private')}</p>`;
  return layout(view, {
    title: t('web.share.title'),
    head: openGraph(view, shared, links),
    body: html`<div class="large">${pictures}</div>
<p class="muted">${t('web.share.made_on', { date: formatDate(locale, shared.at) })}</p>
${recipe}
<p><a href="/s/${shared.slug}/report" data-testid="report-link">${t('web.share.report_link')}</a></p>`,
  });
}

/** `/s/<slug>/report`: a short reason, sent to the admins. */
export function reportPage(
  view: ViewContext,
  input: { slug: string; reason?: string; flash?: { kind: 'error' | 'success'; message: string } },
): SafeHtml {
  const { t } = view;
  const isDone = input.flash?.kind === 'success';
  return layout(view, {
    title: t('web.share.report_title'),
    body: html`${input.flash ? notice(input.flash.kind, input.flash.message) : ''}${
      isDone
        ? ''
        : html`<form method="post" action="/s/${input.slug}/report" class="stack">${csrfField(view)}
<label>${t('web.share.report_reason', { max: MAX_REPORT_REASON_LENGTH })}<textarea name="reason" rows="4" maxlength="${String(MAX_REPORT_REASON_LENGTH)}" required>${input.reason ?? ''}</textarea></label>
<button type="submit">${t('web.share.report_submit')}</button></form>`
    }<p><a href="/s/${input.slug}">${t('web.share.back')}</a></p>`,
  });
}
