import { ASPECT_RATIOS, type ImageFormFields, type WebJob } from '#core';
import { html, type SafeHtml } from '#web/html/html';
import { csrfField, layout, notice } from '#web/views/layout';
import type { ViewContext } from '#web/views/view-context';

/** The page's script: the live price on the form, the live status on a job page. Without it both still work. */
const SCRIPT = html`<script src="/assets/create.js" defer></script>`;

/** What the create form is shown with. */
export type CreateFormInput = {
  fields: ImageFormFields;
  /** The form's one-time id (a form sent twice is admitted once). */
  requestId: string;
  templates: { id: string; name: string }[];
  /** The image models a request may name, by id with their display name. */
  models: { id: string; name: string }[];
  /** Whether an offered image model takes a negative prompt (the field is shown only then). */
  canLeaveOut: boolean;
  /** A picture of the user's own to edit (vary). */
  inputAssetId?: string | undefined;
  /** The price of the form as shown, and the balance; absent when it cannot be priced yet. */
  quote?: { cost: number; balance: number } | undefined;
  maxImageMb: number;
  error?: string | undefined;
  info?: string | undefined;
};

function option(value: string, label: string, selected: string): SafeHtml {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
}

/** The create form: prompt, template, model, negative prompt (where a model takes one), aspect ratio, count, HD and a picture to edit, with the price. */
export function createPage(view: ViewContext, input: CreateFormInput): SafeHtml {
  const { t } = view;
  const { fields } = input;
  const templates = input.templates.some((template) => template.id === fields.template)
    ? input.templates
    : fields.template
      ? [...input.templates, { id: fields.template, name: fields.template }]
      : input.templates;
  const models =
    input.models.some((model) => model.id === fields.model) || !fields.model
      ? input.models
      : [...input.models, { id: fields.model, name: fields.model }];
  return layout(view, {
    title: t('web.create.title'),
    head: SCRIPT,
    body: html`${notice('error', input.error)}${notice('info', input.info)}
<p>${t('web.create.intro')}</p>
<form method="post" action="/create" enctype="multipart/form-data" class="stack" id="create-form" data-cost-url="/create/cost">
${csrfField(view)}
<input type="hidden" name="requestId" value="${input.requestId}">
${input.inputAssetId ? html`<input type="hidden" name="inputAsset" value="${input.inputAssetId}">` : ''}
<label>${t('web.create.prompt')}<textarea name="prompt" rows="4" required maxlength="4000" aria-describedby="prompt-hint">${fields.prompt}</textarea><span id="prompt-hint" class="muted">${t('web.create.prompt_hint')}</span></label>
<label>${t('web.create.template')}<select name="template">${option('', t('web.create.template_none'), fields.template)}${templates.map((template) => option(template.id, template.name, fields.template))}</select></label>
${
  models.length > 1
    ? html`<label>${t('web.create.model')}<select name="model">${option('', t('web.create.model_default'), fields.model)}${models.map((model) => option(model.id, model.name, fields.model))}</select></label>`
    : html`<input type="hidden" name="model" value="${fields.model}">`
}
${
  input.canLeaveOut || fields.negative
    ? html`<label>${t('web.create.negative')}<input name="negative" maxlength="500" value="${fields.negative}" aria-describedby="negative-hint"><span id="negative-hint" class="muted">${t('web.create.negative_hint')}</span></label>`
    : ''
}
<label>${t('web.create.aspect_ratio')}<select name="aspectRatio">${option('', t('web.create.aspect_default'), fields.aspectRatio)}${ASPECT_RATIOS.map((ratio) => option(ratio, ratio, fields.aspectRatio))}</select></label>
<label>${t('web.create.count')}<select name="count">${['1', '2', '3', '4'].map((count) => option(count, count, fields.count || '1'))}</select></label>
<label class="check"><input type="checkbox" name="hd" value="yes"${fields.hd ? html` checked` : ''}> <span>${t('web.create.hd')}</span></label>
${
  input.inputAssetId
    ? html`<figure class="thumbs"><figcaption>${t('web.create.editing')}</figcaption><img src="/account/media/${input.inputAssetId}" alt="${t('web.create.editing_alt')}"></figure>`
    : html`<label>${t('web.create.image')}<input type="file" name="image" accept="image/png,image/jpeg,image/webp,image/gif" aria-describedby="image-hint"><span id="image-hint" class="muted">${t('web.create.image_hint', { mb: input.maxImageMb })}</span></label>`
}
<div aria-live="polite">
<p data-testid="cost" id="create-cost">${input.quote ? t('web.create.cost', { cost: input.quote.cost }) : t('web.create.cost_unknown')}</p>
<p class="muted" id="create-balance">${input.quote ? t('web.create.balance', { balance: input.quote.balance }) : ''}</p>
</div>
<button type="submit">${t('web.create.submit')}</button>
</form>`,
  });
}

/** The words of a job's state as the page and its live events show them. */
export function jobStatusText(view: ViewContext, job: WebJob): string {
  if (job.failure) return view.tx(job.failure.key, job.failure.key, job.failure.vars ?? {});
  return view.t(`web.job.status.${job.status as 'queued' | 'running' | 'uploading' | 'succeeded'}`);
}

/** The follow-up links of a finished job: make it again, edit one of its pictures, something else. */
export function jobActions(view: ViewContext, job: WebJob): { href: string; label: string }[] {
  if (job.status !== 'succeeded') return [{ href: '/create', label: view.t('web.job.another') }];
  return [
    { href: `/create?again=${job.id}`, label: view.t('web.job.again') },
    ...job.images.map((_image, index) => ({
      href: `/create?vary=${job.id}&image=${index + 1}`,
      label: view.t('web.job.vary', { n: index + 1 }),
    })),
    { href: '/create', label: view.t('web.job.another') },
  ];
}

/**
 * A job's page: its state, place in line or progress, then the pictures or why it ended, the
 * cost and the balance after. While the job is open it refreshes itself without JavaScript
 * (a meta refresh inside `<noscript>`); with JavaScript the script follows its live events.
 */
export function jobPage(view: ViewContext, job: WebJob): SafeHtml {
  const { t } = view;
  const refresh = job.isOpen ? html`<noscript><meta http-equiv="refresh" content="2"></noscript>` : '';
  return layout(view, {
    title: t('web.job.title'),
    head: html`${refresh}${SCRIPT}`,
    body: html`<section id="job" data-events="${job.isOpen ? `/create/jobs/${job.id}/events` : ''}" aria-live="polite">
<p class="muted">${t('web.job.prompt', { prompt: job.prompt })}</p>
<p id="job-status" data-testid="job-status"${job.failure ? html` role="alert" class="notice notice-error"` : ''}>${jobStatusText(view, job)}</p>
<p id="job-position">${job.position !== undefined ? t('web.job.position', { position: job.position }) : ''}</p>
<p id="job-progress">${job.progress !== undefined ? t('web.job.progress', { percent: job.progress }) : ''}</p>
<div id="job-images" class="thumbs">${job.images.map(
      (image, index) =>
        html`<a href="${image.url}"><img src="${image.url}" alt="${t('web.job.image_alt', { n: index + 1, prompt: job.prompt })}"${image.width ? html` width="${image.width}" height="${image.height ?? image.width}"` : ''}></a>`,
    )}</div>
<p data-testid="job-cost">${t('web.job.cost', { cost: job.cost })}</p>
<p id="job-balance" data-testid="job-balance">${t('web.job.balance_after', { balance: job.balance })}</p>
<p id="job-note" class="muted">${job.isOpen ? t('web.job.updating') : t('web.job.gallery_note')}</p>
<p id="job-actions">${job.isOpen ? '' : jobActions(view, job).map((action) => html`<a class="button secondary" href="${action.href}">${action.label}</a> `)}</p>
</section>`,
  });
}
