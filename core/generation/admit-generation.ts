import type { Account } from '#core/accounts/account';
import { assertCanGenerate } from '#core/accounts/assert-can-generate';
import { quoteCost } from '#core/catalog/quote-cost';
import { reserveCreditsLocked } from '#core/credits/reserve-credits';
import { withAccountLock } from '#core/credits/ledger-transaction';
import { AppError } from '#core/errors/app-error';
import type { CoreDeps } from '#core/core-deps';
import { cleanPrompt } from '#core/generation/clean-prompt';
import type { DeliveryTarget } from '#core/generation/delivery-target';
import type { GenerationOptions } from '#core/generation/parse-generation-options';
import { limitsFor } from '#core/generation/user-limits';
import { finishGeneration } from '#core/generation/finish-generation';
import { moderatePrompt } from '#core/moderation/moderate-prompt';
import { routeModel } from '#core/providers/route-model';
import { applyTemplate, findTemplate, recordTemplateEvent } from '#core/templates/find-templates';
import type { Locale } from '#core/i18n/locales';
import type { MediaFile } from '#core/providers/ports';

export type AdmitInput = {
  account: Account;
  locale: Locale;
  options: GenerationOptions;
  delivery: DeliveryTarget;
  /** The idempotency key of the admission: the platform event id, so a redelivered update admits once. */
  eventId: string;
  parentId?: string;
  inputImage?: MediaFile;
};

export type Admission = { generationId: string; cost: number; position: number | undefined; isNew: boolean };

/**
 * Accepts a generation request: checks the account, cleans and moderates the prompt, applies
 * the template, quotes the cost, then in one transaction creates the generation and reserves
 * its credits, and finally enqueues the job. Every refusal happens before anything is written
 * (a blocked prompt writes only its moderation event); if enqueueing fails the credits go back.
 */
export async function admitGeneration(deps: CoreDeps, input: AdmitInput): Promise<Admission> {
  const { prisma, config, clock } = deps;
  const now = clock.now();
  assertCanGenerate(input.account, now, config.supportEmail);
  const { options } = input;
  const subject = cleanPrompt(options.prompt, config.promptMaxLength);

  const template = options.templateId ? await findTemplate(prisma, options.templateId, input.locale) : undefined;
  if (options.templateId && (!template || template.kind !== options.kind)) throw new AppError('unknown_template', { vars: { template: options.templateId } });

  await moderatePrompt(deps, { userId: input.account.id, prompt: subject, now });

  const prompt = template ? applyTemplate(template, subject) : subject;
  const aspectRatio = options.aspectRatio ?? (template?.defaultAspect as GenerationOptions['aspectRatio']) ?? (input.account.settings.aspectRatio as GenerationOptions['aspectRatio']) ?? '1:1';
  const requestedModel = options.model ?? template?.defaultModel ?? input.account.settings.model ?? undefined;
  const route = routeModel(deps.providers, {
    kind: options.kind,
    requestedModel,
    needsEdit: input.inputImage !== undefined,
    count: options.count,
  });
  const cost = quoteCost(deps.catalog, options.kind === 'image' ? { kind: 'image', model: route.model, count: options.count, quality: options.quality } : { kind: 'video', model: route.model, durationSeconds: options.durationSeconds });
  const limits = await limitsFor(deps, input.account.id, now);
  const timeoutSeconds = options.kind === 'video' ? config.jobTimeouts.videoSeconds : config.jobTimeouts.imageSeconds;
  const admissionKey = `admit:${input.delivery.platform}:${input.eventId}`;

  const inputMediaId = input.inputImage ? await storeInputImage(deps, input.account.id, input.inputImage) : undefined;

  const admitted = await withAccountLock(prisma, input.account.id, async (tx) => {
    const earlier = await tx.creditLedgerEntry.findUnique({ where: { idempotencyKey: admissionKey }, select: { generationId: true } });
    if (earlier?.generationId) return { generationId: earlier.generationId, isNew: false };
    const active = await tx.generation.count({ where: { userId: input.account.id, status: { in: ['queued', 'running', 'uploading'] } } });
    if (active >= limits.concurrency) throw new AppError('too_many_jobs', { vars: { running: active, limit: limits.concurrency } });
    const generation = await tx.generation.create({
      data: {
        userId: input.account.id,
        kind: options.kind,
        prompt,
        templateId: template?.id ?? null,
        options: {
          subject,
          aspectRatio,
          count: options.count,
          quality: options.quality,
          durationSeconds: options.durationSeconds,
          ...(options.seed === undefined ? {} : { seed: options.seed }),
          ...(requestedModel ? { requestedModel } : {}),
        },
        provider: route.provider,
        model: route.model,
        cost,
        delivery: input.delivery,
        parentId: input.parentId ?? null,
        inputMediaId: inputMediaId ?? null,
        deadlineAt: new Date(now.getTime() + timeoutSeconds * 1000),
      },
      select: { id: true },
    });
    await reserveCreditsLocked(tx, {
      userId: input.account.id,
      amount: cost,
      idempotencyKey: admissionKey,
      expiresAt: new Date(now.getTime() + (timeoutSeconds + 60) * 1000),
      generationId: generation.id,
      now,
    });
    return { generationId: generation.id, isNew: true };
  });

  if (admitted.isNew) {
    if (template) await recordTemplateEvent(prisma, { templateId: template.id, userId: input.account.id, kind: 'use' });
    try {
      await deps.queue.enqueue({ name: options.kind, generationId: admitted.generationId, priority: limits.priority });
    } catch (error) {
      await finishGeneration(deps, admitted.generationId, { status: 'failed', errorCode: 'provider_unavailable' }, { notify: false });
      throw new AppError('provider_unavailable', { cause: error });
    }
  }
  const position = await deps.queue.positionOf(admitted.generationId);
  return { generationId: admitted.generationId, cost, position, isNew: admitted.isNew };
}

async function storeInputImage(deps: CoreDeps, userId: string, file: MediaFile): Promise<string> {
  const stored = await deps.media.put({ bytes: file.bytes, mime: file.mime });
  const asset = await deps.prisma.mediaAsset.create({
    data: { userId, role: 'input', storageKey: stored.key, mime: stored.mime, bytes: stored.bytes, sha256: stored.sha256 },
    select: { id: true },
  });
  return asset.id;
}
