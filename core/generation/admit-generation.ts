import type { Account } from '#core/accounts/account';
import { assertCanGenerate } from '#core/accounts/assert-can-generate';
import { quoteCost } from '#core/catalog/quote-cost';
import { AppError } from '#core/errors/app-error';
import type { CoreDeps } from '#core/core-deps';
import { Prisma } from '#core/infra/db/create-database';
import { newRowId } from '#core/infra/db/new-row-id';
import { cleanPrompt } from '#core/generation/clean-prompt';
import type { StoredDelivery } from '#core/generation/delivery-target';
import type { GenerationOptions } from '#core/generation/parse-generation-options';
import { activePlanIdSql, assertSpacing, limitsOfPlan, type UserLimits } from '#core/generation/user-limits';
import { finishGeneration } from '#core/generation/finish-generation';
import {
  isAdmissionRefusal,
  refusalError,
  tooManyJobsError,
  type LockedAdmission,
} from '#core/generation/admission-refusal';
import { OPEN_STATUSES_ARRAY_SQL, OPEN_STATUSES_SQL } from '#core/generation/open-statuses';
import { moderateInputImage, moderatePrompt } from '#core/moderation/moderate-prompt';
import { chooseModel, defaultDuration, findModel, isOffered } from '#core/providers/route-model';
import type { ModelDefinition } from '#core/models/model-definition';
import { applyTemplate, findTemplate, recordTemplateEvent } from '#core/templates/find-templates';
import type { Locale } from '#core/i18n/locales';
import type { MediaFile } from '#core/providers/ports';
import { storeMediaAsset } from '#core/generation/store-media-asset';

/** When the user was last admitted a generation (any status; see `assertSpacing`), on the (userId, createdAt) index. */
function lastAdmittedAtSql(userId: string): Prisma.Sql {
  return Prisma.sql`(SELECT "createdAt" FROM generations WHERE "userId" = ${userId}::uuid ORDER BY "createdAt" DESC LIMIT 1)`;
}

export type AdmitInput = {
  account: Account;
  locale: Locale;
  options: GenerationOptions;
  delivery: StoredDelivery;
  /** The idempotency key of the admission: the platform event id, so a redelivered update admits once. */
  eventId: string;
  /** The new generation's id when it was promised before (a request held during an outage); a fresh one otherwise. */
  generationId?: string;
  parentId?: string;
  inputImage?: MediaFile;
};

/** What a request turns into before anything is written: the cleaned subject, its template, the model and the price. */
export type GenerationPlan = {
  subject: string;
  template: Awaited<ReturnType<typeof findTemplate>>;
  prompt: string;
  aspectRatio: NonNullable<GenerationOptions['aspectRatio']>;
  /** The model the user named (`--model`, the template's, the /settings default), if any. */
  requestedModel: string | undefined;
  model: ModelDefinition;
  durationSeconds: number;
  cost: number;
};

/**
 * Cleans the prompt, resolves the template, the aspect ratio and the model (the request's, else
 * the template's, else the user's /settings default, else the models file's order), checks that
 * the model can do what is asked, and quotes the cost from the models file. Admission and the web
 * form's price preview both call this, so the price shown is the price reserved. Throws what the
 * user got wrong (empty or long prompt, unknown template, a model nobody offers or that cannot do it).
 */
export async function planGeneration(
  deps: CoreDeps,
  input: Pick<AdmitInput, 'account' | 'locale' | 'options'> & { hasInputImage: boolean },
): Promise<GenerationPlan> {
  const { options } = input;
  const subject = cleanPrompt(options.prompt, deps.config.promptMaxLength);
  const template = options.templateId ? await findTemplate(deps.prisma, options.templateId, input.locale) : undefined;
  if (options.templateId && (!template || template.kind !== options.kind))
    throw new AppError('unknown_template', { vars: { template: options.templateId } });
  const prompt = template ? applyTemplate(template, subject) : subject;
  const aspectRatio =
    options.aspectRatio ??
    (template?.defaultAspect as GenerationOptions['aspectRatio']) ??
    (input.account.settings.aspectRatio as GenerationOptions['aspectRatio']) ??
    '1:1';
  const requestedModel = options.model?.toLowerCase() ?? usableDefault(deps, input.account, options.kind, template);
  const { model } = chooseModel(deps, {
    kind: options.kind,
    modelId: requestedModel,
    hasInputImage: input.hasInputImage,
    count: options.count,
    quality: options.quality,
    aspectRatio,
    durationSeconds: options.durationSeconds,
    hasNegativePrompt: options.negativePrompt !== undefined,
    ...(options.operation === 'upscale' ? { operation: 'upscale' as const } : {}),
    hasSeed: options.seed !== undefined,
  });
  const durationSeconds = options.durationSeconds ?? defaultDuration(model);
  const cost = quoteCost(
    model,
    options.operation === 'upscale'
      ? { kind: 'upscale' }
      : options.kind === 'image'
        ? { kind: 'image', count: options.count, quality: options.quality }
        : { kind: 'video', durationSeconds, quality: options.quality },
  );
  return { subject, template, prompt, aspectRatio, requestedModel, model, durationSeconds, cost };
}

export type Admission = { generationId: string; cost: number; position: number | undefined; isNew: boolean };

/**
 * Accepts a generation request: checks the account, cleans the prompt, quotes the cost, checks
 * the user's concurrency limit and the plan's minimum spacing between admissions, moderates, then
 * in one transaction creates the generation and reserves its credits, and finally enqueues the
 * job. Every refusal happens before anything is written: `too_many_jobs` and `rate_limited` before
 * moderation (no moderation call, no row), a blocked prompt writes only its moderation event, and
 * an allowed prompt's event is written with the generation. Both limits are checked again under
 * the account lock, so they hold across processes; the generation's `createdAt` is the clock's
 * `now`, the time the spacing is measured from. If enqueueing fails the credits go back. The
 * same event admitted again (a redelivered update) answers with the first admission and writes
 * nothing, even within the spacing.
 *
 * This is the hot path of the service, so it keeps round trips few: one query for the plan, the
 * open jobs, the last admission and an earlier admission of this event; then one call of the
 * database function `admit_generation`, which takes the account lock, reads the same again with
 * the balance and, only if every check passes, writes the generation, its (allowed) moderation
 * event and its reservation, in the implicit transaction of that one statement. A refusal there
 * comes back as its reason (AdmissionRefusal) with what it read, which TypeScript only words
 * (prisma/functions/admit_generation.sql holds the checks). The early check before moderation
 * is a cheap gate on the unlocked read, so a request that will be refused costs no moderation call.
 */
export async function admitGeneration(deps: CoreDeps, input: AdmitInput): Promise<Admission> {
  const { prisma, config, clock } = deps;
  const now = clock.now();
  const userId = input.account.id;
  assertCanGenerate(input.account, now, config.supportEmail);
  const { options } = input;
  const { subject, template, prompt, aspectRatio, requestedModel, model, durationSeconds, cost } = await planGeneration(
    deps,
    {
      ...input,
      hasInputImage: input.inputImage !== undefined,
    },
  );
  const timeoutSeconds = options.kind === 'video' ? config.jobTimeouts.videoSeconds : config.jobTimeouts.imageSeconds;
  const admissionKey = `admit:${input.delivery.platform}:${input.eventId}`;

  const state = await readAdmissionState(deps, { userId, admissionKey, now });
  if (state.earlierId) return answerEarlier(deps, state.earlierId, cost);
  assertBelowLimit(state.active, state.limits);
  assertSpacing(state.limits, state.lastAdmittedAt, now);

  const moderation = await moderatePrompt(deps, { userId, prompt: subject, now }, { recordAllowed: false });
  if (input.inputImage) await moderateInputImage(deps, { userId, image: input.inputImage, now });
  const inputMediaId = input.inputImage ? await storeInputImage(deps, userId, input.inputImage) : undefined;

  const generationId = input.generationId ?? newRowId();
  const storedOptions = {
    subject,
    aspectRatio,
    count: options.count,
    quality: options.quality,
    durationSeconds,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.negativePrompt === undefined ? {} : { negativePrompt: options.negativePrompt }),
    ...(requestedModel ? { requestedModel } : {}),
    ...(options.operation === undefined ? {} : { operation: options.operation }),
    ...(options.strength === undefined ? {} : { strength: options.strength }),
    ...(options.followUp === undefined ? {} : { followUp: options.followUp }),
  };
  // Again under the account lock, which a concurrent admission of this user may have held until
  // now, and the writes only if every check passes: one call (prisma/functions/admit_generation.sql).
  const [locked] = await prisma.$queryRaw<LockedAdmission[]>`
    SELECT refusal, earlier_id, open_jobs, last_admitted_at, balance FROM admit_generation(
      ${userId}::uuid, ${admissionKey}, ${now}::timestamp(3), ${state.limits.concurrency}::int, ${state.limits.minSpacingMs}::int, ${OPEN_STATUSES_ARRAY_SQL},
      ${generationId}::uuid, ${options.kind}::"GenerationKind", ${prompt}, ${template?.id ?? null}::text, ${JSON.stringify(storedOptions)}::jsonb,
      ${model.provider}::text, ${model.id}::text, ${cost}::int, ${JSON.stringify(input.delivery)}::jsonb, ${input.parentId ?? null}::uuid, ${inputMediaId ?? null}::uuid,
      ${new Date(now.getTime() + timeoutSeconds * 1000)}::timestamp(3),
      ${newRowId()}::uuid, ${moderation.stage}::text,
      ${newRowId()}::uuid, ${new Date(now.getTime() + (timeoutSeconds + 60) * 1000)}::timestamp(3), ${new Date()}::timestamp(3))`;
  if (!locked) throw new Error('admit_generation returned no row');
  if (locked.refusal !== null) {
    if (!isAdmissionRefusal(locked.refusal))
      throw new Error(`admit_generation gave an unknown refusal: ${String(locked.refusal)}`);
    if (locked.refusal !== 'already_admitted')
      throw refusalError({ ...locked, refusal: locked.refusal }, { cost, limits: state.limits, now });
    if (!locked.earlier_id) throw new Error('admit_generation refused an earlier admission without naming it');
    return answerEarlier(deps, locked.earlier_id, cost);
  }

  if (template) await recordTemplateEvent(prisma, { templateId: template.id, userId, kind: 'use' });
  try {
    await deps.queue.enqueue({ name: options.kind, generationId, priority: state.limits.priority });
  } catch (error) {
    await finishGeneration(
      deps,
      generationId,
      { status: 'failed', errorCode: 'provider_unavailable' },
      { notify: false },
    );
    throw new AppError('provider_unavailable', { cause: error });
  }
  const position = await deps.queue.positionOf(generationId);
  return { generationId, cost, position, isNew: true };
}

/**
 * One query for what admission checks before moderating: the user's plan (its limits), how many
 * of the user's jobs are open, when the user was last admitted, and the generation of an earlier
 * admission of the same event.
 */
async function readAdmissionState(
  deps: Pick<CoreDeps, 'prisma' | 'catalog'>,
  input: { userId: string; admissionKey: string; now: Date },
): Promise<{ limits: UserLimits; active: number; lastAdmittedAt: Date | null; earlierId: string | null }> {
  const [row] = await deps.prisma.$queryRaw<
    { planId: string | null; active: number; lastAdmittedAt: Date | null; earlierId: string | null }[]
  >`
    SELECT ${activePlanIdSql(Prisma.sql`${input.userId}::uuid`, input.now)} AS "planId",
           (SELECT count(*)::int FROM generations WHERE "userId" = ${input.userId}::uuid AND status IN ${OPEN_STATUSES_SQL}) AS active,
           ${lastAdmittedAtSql(input.userId)} AS "lastAdmittedAt",
           (SELECT "generationId" FROM credit_ledger WHERE "idempotencyKey" = ${input.admissionKey}) AS "earlierId"`;
  return {
    limits: limitsOfPlan(deps.catalog, row?.planId),
    active: row?.active ?? 0,
    lastAdmittedAt: row?.lastAdmittedAt ?? null,
    earlierId: row?.earlierId ?? null,
  };
}

/**
 * The model a request names without `--model`: the template's, else the user's /settings default
 * for the kind. A default no longer in the models file or no longer offered is passed over (the
 * default order serves), so an operator's change never locks a user out of /imagine.
 */
function usableDefault(
  deps: CoreDeps,
  account: Account,
  kind: 'image' | 'video',
  template: { defaultModel: string | null } | undefined,
): string | undefined {
  const id = template?.defaultModel ?? (kind === 'image' ? account.settings.model : account.settings.videoModel);
  const model = id ? findModel(deps, kind, id) : undefined;
  return model && isOffered(deps, model) ? model.id : undefined;
}

function assertBelowLimit(active: number, limits: UserLimits): void {
  if (active >= limits.concurrency) throw tooManyJobsError(active, limits.concurrency);
}

/** A repeated admission (a redelivered update) answers with the first one. */
async function answerEarlier(deps: Pick<CoreDeps, 'queue'>, generationId: string, cost: number): Promise<Admission> {
  return { generationId, cost, position: await deps.queue.positionOf(generationId), isNew: false };
}

async function storeInputImage(deps: CoreDeps, userId: string, file: MediaFile): Promise<string> {
  return (await storeMediaAsset(deps, file, { userId, role: 'input' })).id;
}
