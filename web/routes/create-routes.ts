import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import {
  isAppError,
  MAX_INPUT_IMAGE_BYTES,
  type Core,
  type CreationPrefill,
  type ImageFormFields,
  type WebJob,
} from '#core';
import {
  errorMessage,
  field,
  isChecked,
  requireUser,
  sendPage,
  setRetryAfter,
  statusOf,
  viewOf,
  type Site,
} from '#web/routes/route-kit';
import { createPage, jobActions, jobPage, jobStatusText, type CreateFormInput } from '#web/views/create-views';
import type { ViewContext } from '#web/views/view-context';
import { errorPage } from '#web/views/site-views';

/** How often an open job's live stream reads its state from the database. */
const POLL_MS = 1_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** Live streams one user may hold at once (tabs); more are refused and those pages refresh instead. */
const MAX_STREAMS_PER_USER = 4;
/** Live streams this process holds at once, each polling once a second. */
const MAX_STREAMS = 200;
/** A stream ends after this long at the latest (the browser reconnects); jobs end well before. */
const MAX_STREAM_MS = 20 * 60_000;
const MAX_IMAGE_MB = Math.floor(MAX_INPUT_IMAGE_BYTES / 1048576);

/** Errors the form words for the web (no chat commands in them); others use their common message. */
const WEB_ERROR_KEYS = new Set(['prompt_empty', 'insufficient_credits', 'terms_required', 'rate_limited']);

const EMPTY_FIELDS: ImageFormFields = {
  prompt: '',
  template: '',
  model: '',
  aspectRatio: '',
  count: '1',
  hd: false,
  negative: '',
};

/**
 * Creating on the website: `/create` (the form, prefilled from `again`, `vary` or `remix`),
 * `/create/cost` (the price as JSON while the form changes), `POST /create` (admission, then a
 * 303 to the job), `/create/jobs/:id` (the job's page) and `/create/jobs/:id/events` (its live
 * status as Server-Sent Events). Signed-in users with accepted terms only; jobs are their owner's.
 */
export function createCreateRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();
  router.use('/create', requireUser);
  const streams = { total: 0, perUser: new Map<string, number>() };

  const quote = (request: Request, fields: ImageFormFields, hasInputImage: boolean) =>
    core.create
      .quote({ userId: request.user?.id ?? '', locale: request.locale, fields, hasInputImage })
      .catch((error: unknown) => {
        if (isAppError(error)) return undefined;
        throw error;
      });

  const showForm = async (
    request: Request,
    response: Response,
    status: number,
    input: { fields: ImageFormFields; inputAssetId?: string | undefined; error?: string; info?: string },
  ) => {
    const view = viewOf(site, request);
    const [templates, price] = await Promise.all([
      core.templates.suggest('', request.locale, 'image'),
      quote(request, input.fields, input.inputAssetId !== undefined),
    ]);
    const page: CreateFormInput = {
      fields: input.fields,
      requestId: randomBytes(18).toString('base64url'),
      templates,
      models: core.models.list('image').map((model) => ({ id: model.id, name: model.name })),
      canLeaveOut: core.models.list('image').some((model) => model.capabilities.negativePrompt),
      inputAssetId: input.inputAssetId,
      quote: price,
      maxImageMb: MAX_IMAGE_MB,
      error: input.error,
      info: input.info,
    };
    sendPage(response, status, createPage(view, page));
  };

  router.get('/create', async (request, response) => {
    if (!request.user?.hasAcceptedTerms)
      return response.redirect(303, `/welcome?next=${encodeURIComponent(request.originalUrl)}`);
    const { t } = viewOf(site, request);
    const userId = request.user.id;
    const again = typeof request.query.again === 'string' ? request.query.again : undefined;
    const vary = typeof request.query.vary === 'string' ? request.query.vary : undefined;
    const remix = typeof request.query.remix === 'string' ? request.query.remix : undefined;
    let prefill: CreationPrefill | undefined;
    let info: string | undefined;
    if (again || vary) {
      prefill = await core.create.prefill({
        userId,
        generationId: again ?? vary ?? '',
        mode: again ? 'again' : 'vary',
        image: Number(request.query.image ?? 1),
      });
      info = prefill ? t('web.create.prefilled') : t('web.create.prefill_missing');
    } else if (remix) {
      prefill = await findRemixableCreation(core, remix);
      info = prefill ? t('web.create.prefilled') : t('web.create.remix_unavailable');
    }
    await showForm(request, response, 200, {
      fields: prefill?.fields ?? EMPTY_FIELDS,
      inputAssetId: prefill?.inputAssetId,
      ...(info ? { info } : {}),
    });
  });

  router.get('/create/cost', async (request, response) => {
    const view = viewOf(site, request);
    const text = (name: string) => (typeof request.query[name] === 'string' ? (request.query[name] as string) : '');
    const fields: ImageFormFields = {
      prompt: '',
      template: text('template'),
      model: text('model'),
      aspectRatio: text('aspectRatio'),
      count: text('count') || '1',
      hd: text('hd') === 'yes',
      negative: '',
    };
    response.setHeader('Cache-Control', 'no-store');
    try {
      const price = await core.create.quote({
        userId: request.user?.id ?? '',
        locale: request.locale,
        fields,
        hasInputImage: text('image') === 'yes',
      });
      response.json({
        cost: price.cost,
        balance: price.balance,
        costText: view.t('web.create.cost', { cost: price.cost }),
        balanceText: view.t('web.create.balance', { balance: price.balance }),
      });
    } catch (error) {
      if (!isAppError(error)) throw error;
      response.status(statusOf(error)).json({ error: createErrorMessage(view, error) });
    }
  });

  router.post('/create', async (request, response) => {
    const fields: ImageFormFields = {
      prompt: field(request, 'prompt').slice(0, 4_000),
      template: field(request, 'template'),
      model: field(request, 'model'),
      aspectRatio: field(request, 'aspectRatio'),
      count: field(request, 'count'),
      hd: isChecked(request, 'hd'),
      negative: field(request, 'negative').slice(0, 1_000),
    };
    const inputAssetId = field(request, 'inputAsset') || undefined;
    const view = viewOf(site, request);
    if (request.upload?.isTooLarge) {
      return showForm(request, response, 413, {
        fields,
        inputAssetId,
        error: view.t('web.create.error.too_large', { mb: MAX_IMAGE_MB }),
      });
    }
    try {
      const { generationId } = await core.create.start({
        userId: request.user?.id ?? '',
        locale: request.locale,
        fields,
        upload: request.upload?.bytes,
        inputAssetId,
        requestId: field(request, 'requestId'),
      });
      response.redirect(303, `/create/jobs/${generationId}`);
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === 'terms_required') return response.redirect(303, '/welcome?next=/create');
      setRetryAfter(response, error);
      await showForm(request, response, statusOf(error), {
        fields,
        inputAssetId,
        error: createErrorMessage(view, error),
      });
    }
  });

  router.get('/create/jobs/:id', async (request, response) => {
    const view = viewOf(site, request);
    const job = await core.create.readJob({ userId: request.user?.id ?? '', generationId: request.params.id });
    if (!job) return sendPage(response, 404, errorPage(view, { status: 404, message: view.t('errors.not_found') }));
    sendPage(response, 200, jobPage(view, job));
  });

  router.get('/create/jobs/:id/events', async (request, response) => {
    const view = viewOf(site, request);
    const userId = request.user?.id ?? '';
    const generationId = request.params.id;
    const first = await core.create.readJob({ userId, generationId });
    if (!first) {
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    const held = streams.perUser.get(userId) ?? 0;
    if (held >= MAX_STREAMS_PER_USER || streams.total >= MAX_STREAMS) {
      response.setHeader('Retry-After', '5');
      response.status(429).type('text/plain').send('Too many live pages');
      return;
    }
    streams.total += 1;
    streams.perUser.set(userId, held + 1);
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write('retry: 3000\n\n');

    let isClosed = false;
    let poll: NodeJS.Timeout | undefined;
    let lastPayload = '';
    const close = () => {
      if (isClosed) return;
      isClosed = true;
      clearTimeout(poll);
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      streams.total -= 1;
      const left = (streams.perUser.get(userId) ?? 1) - 1;
      if (left > 0) streams.perUser.set(userId, left);
      else streams.perUser.delete(userId);
      response.end();
    };
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const lifetime = setTimeout(close, MAX_STREAM_MS);
    response.on('close', close);

    const send = (job: WebJob) => {
      const event = jobEvent(view, job);
      const payload = JSON.stringify(event.data);
      if (payload !== lastPayload) {
        response.write(`event: ${event.name}\ndata: ${payload}\n\n`);
        lastPayload = payload;
      }
      if (!job.isOpen) close();
    };
    const tick = async () => {
      if (isClosed) return;
      try {
        const job = await core.create.readJob({ userId, generationId });
        if (isClosed) return;
        if (!job) return close();
        send(job);
      } catch (error) {
        request.log.warn({ err: error, generationId }, 'reading a job for its live page failed; trying again');
      }
      if (!isClosed) poll = setTimeout(() => void tick(), POLL_MS);
    };
    send(first);
    if (!isClosed) poll = setTimeout(() => void tick(), POLL_MS);
  });

  return router;
}

/**
 * The form a public `/create?remix=<slug>` starts from: the prompt and options of a page published
 * with its prompt shown (`core.sharing.findRemixableCreation`), for anyone signed in. Undefined for
 * any other slug, or a shared video (the form makes images).
 */
async function findRemixableCreation(core: Core, slug: string): Promise<CreationPrefill | undefined> {
  const shared = await core.sharing.findRemixableCreation(slug);
  if (shared?.options.kind !== 'image') return undefined;
  const { options } = shared;
  return {
    fields: {
      prompt: shared.prompt,
      template: '',
      model: '',
      aspectRatio: options.aspectRatio ?? '',
      count: String(options.count ?? 1),
      hd: options.quality === 'hd',
      negative: '',
    },
  };
}

/** A refusal worded for the web form: its own words where chat's name a command, else the common message. */
function createErrorMessage(view: ViewContext, error: unknown): string {
  if (isAppError(error) && WEB_ERROR_KEYS.has(error.code))
    return view.tx(`web.create.error.${error.code}`, errorMessage(view, error) ?? '', {
      ...(error.vars as Record<string, string | number>),
    });
  return errorMessage(view, error) ?? view.t('errors.invalid_input');
}

/** One live event of a job: its state while open, then its result or why it ended. */
function jobEvent(view: ViewContext, job: WebJob): { name: 'status' | 'done' | 'failed'; data: object } {
  const text = jobStatusText(view, job);
  if (job.isOpen) {
    return {
      name: 'status',
      data: {
        status: job.status,
        text,
        position: job.position ?? null,
        positionText: job.position !== undefined ? view.t('web.job.position', { position: job.position }) : '',
        progress: job.progress ?? null,
        progressText: job.progress !== undefined ? view.t('web.job.progress', { percent: job.progress }) : '',
      },
    };
  }
  const end = {
    status: job.status,
    text,
    balance: job.balance,
    balanceText: view.t('web.job.balance_after', { balance: job.balance }),
    noteText: view.t('web.job.gallery_note'),
    actions: jobActions(view, job),
  };
  if (job.status !== 'succeeded') return { name: 'failed', data: end };
  return {
    name: 'done',
    data: {
      ...end,
      images: job.images.map((image, index) => ({
        url: image.url,
        alt: view.t('web.job.image_alt', { n: index + 1, prompt: job.prompt }),
      })),
    },
  };
}
