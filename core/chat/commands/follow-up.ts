import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { hasAcceptedTerms, termsPrompt } from '#core/chat/commands/onboarding';
import { admitRequest, findOwnGeneration, statusReplyOf } from '#core/chat/commands/generate';
import { AppError } from '#core/errors/app-error';
import { checkInputImage } from '#core/generation/check-input-image';
import { findOutputAssets } from '#core/generation/find-output-assets';
import {
  parseFollowUpArg,
  pictureButtonRows,
  pictureFollowUps,
  VARY_STRENGTHS,
  varyStrengthRow,
  type VaryStrength,
} from '#core/generation/follow-up-buttons';
import type { GenerationOptions } from '#core/generation/parse-generation-options';
import type { MediaFile } from '#core/providers/ports';
import { canUpscale, findModel, isOffered } from '#core/providers/route-model';

type Parent = Awaited<ReturnType<typeof findOwnGeneration>>;

type StoredOptions = {
  subject?: string;
  aspectRatio?: GenerationOptions['aspectRatio'];
  count?: number;
  quality?: 'standard' | 'hd';
  durationSeconds?: number;
  seed?: number;
  negativePrompt?: string;
  operation?: 'upscale' | 'vary';
  strength?: number;
};

/** Generation states after which the same follow-up may be asked again (nothing was made, or it was deleted). */
const RETRYABLE_STATUSES = ['failed', 'cancelled', 'blocked'] as const;

/**
 * The buttons under a result. Reroll makes the job again (an edit or a variation again from the
 * same picture). Upscale N and Vary N act on the N-th picture: Upscale enlarges it on a model
 * that upscales, charged that model's upscale price; Vary first asks how strongly, then edits it
 * on a model that edits. Each press of those admits once: a second press of the same button, or
 * the same update again, answers that it was asked already and charges nothing; after a failed
 * or cancelled try it can be asked again. Buttons from before pictures had their own (the
 * generation id alone) act on a single picture, or ask which picture when there are several.
 * Only the owner of a result can use its buttons (`not_job_owner`, as for every job button); a
 * picture that is no longer stored answers `picture_gone`. Nothing is charged before admission.
 */
export async function runFollowUp(
  context: ChatContext,
  action: 'reroll' | 'vary' | 'upscale',
  arg: string,
): Promise<Reply[]> {
  if (!hasAcceptedTerms(context)) return [termsPrompt(context)];
  const ref = parseFollowUpArg(arg);
  if (!ref) throw new AppError('job_not_found');
  const parent = await findOwnGeneration(context, ref.generationId);
  if (action === 'reroll') return runReroll(context, parent);
  if (parent.kind !== 'image') throw new AppError('job_not_found');
  const offers = pictureFollowUps(context.deps);
  if (action === 'upscale' && !offers.upscale) throw new AppError('upscale_unavailable');
  if (action === 'vary' && !offers.vary) throw new AppError('vary_unavailable');
  const assets = await findOutputAssets(context.deps.prisma, parent.id);
  if (assets.length === 0) throw new AppError('picture_gone');
  const picture = ref.picture ?? (assets.length === 1 ? 1 : undefined);
  if (picture === undefined) {
    const only = { upscale: action === 'upscale', vary: action === 'vary' };
    return [textReply('job.pick_picture', undefined, { buttons: pictureButtonRows(parent.id, assets.length, only) })];
  }
  const asset = assets[picture - 1];
  if (!asset) throw new AppError('picture_gone');
  if (action === 'vary' && !ref.strength)
    return [textReply('job.vary_choice', { n: picture }, { buttons: [varyStrengthRow(parent.id, picture)] })];
  const bytes = await context.deps.media.get(asset.storageKey);
  if (!bytes) throw new AppError('picture_gone');
  const image: MediaFile = { bytes, mime: checkInputImage(bytes).mime };
  const options =
    action === 'upscale'
      ? upscaleOptions(context, parent, picture)
      : varyOptions(context, parent, picture, ref.strength ?? 'subtle');
  const admission = await admitRequest(context, options, {
    inputImage: image,
    eventId: await followUpEventId(context, parent.id, options.followUp ?? ''),
    parentId: parent.id,
  });
  if (!admission.isNew) return [textReply('job.follow_up_repeated')];
  return [statusReplyOf(admission)];
}

/** The same job again, with a new seed where it had none; an edit or variation starts from the same picture. */
async function runReroll(context: ChatContext, parent: Parent): Promise<Reply[]> {
  const stored = storedOf(parent);
  const input = parent.inputMediaId ? await loadStoredPicture(context, parent.inputMediaId) : undefined;
  if (stored.operation && !input) throw new AppError('picture_gone');
  const options: GenerationOptions = {
    ...baseOptions(parent),
    count: stored.count ?? 1,
    quality: stored.quality ?? 'standard',
    model: parent.model ?? undefined,
    durationSeconds: stored.durationSeconds ?? 5,
    negativePrompt: stored.negativePrompt,
    ...(stored.operation ? { operation: stored.operation } : {}),
    ...(stored.strength === undefined ? {} : { strength: stored.strength }),
  };
  const admission = await admitRequest(context, options, {
    inputImage: input,
    eventId: context.request.eventId,
    parentId: parent.id,
  });
  return [statusReplyOf(admission)];
}

function upscaleOptions(context: ChatContext, parent: Parent, picture: number): GenerationOptions {
  const model = parent.model ? findModel(context.deps, 'image', parent.model) : undefined;
  return {
    ...baseOptions(parent),
    count: 1,
    quality: 'standard',
    model: model && isOffered(context.deps, model) && canUpscale(context.deps, model) ? model.id : undefined,
    operation: 'upscale',
    followUp: `upscale:${picture}`,
  };
}

function varyOptions(context: ChatContext, parent: Parent, picture: number, strength: VaryStrength): GenerationOptions {
  const stored = storedOf(parent);
  const model = parent.model ? findModel(context.deps, 'image', parent.model) : undefined;
  return {
    ...baseOptions(parent),
    count: stored.count ?? 1,
    quality: stored.quality ?? 'standard',
    model: model && isOffered(context.deps, model) && model.capabilities.edit ? model.id : undefined,
    // No seed: each variation is a new draw, and a model without seeds would refuse one.
    negativePrompt: stored.negativePrompt,
    operation: 'vary',
    strength: VARY_STRENGTHS[strength],
    followUp: `vary:${picture}:${strength}`,
  };
}

function baseOptions(parent: Parent): GenerationOptions {
  const stored = storedOf(parent);
  return {
    kind: parent.kind,
    prompt: stored.subject ?? parent.prompt ?? '',
    aspectRatio: stored.aspectRatio,
    count: 1,
    quality: 'standard',
    templateId: parent.templateId ?? undefined,
    model: undefined,
    durationSeconds: undefined,
    seed: undefined,
    negativePrompt: undefined,
  };
}

function storedOf(parent: Parent): StoredOptions {
  return (parent.options ?? {}) as StoredOptions;
}

/**
 * The admission key of a follow-up: the same for every press of one button (so a second press,
 * or two at once, admits once), and new after each try that made nothing or was deleted since.
 */
async function followUpEventId(context: ChatContext, parentId: string, followUp: string): Promise<string> {
  const tries = await context.deps.prisma.generation.count({
    where: {
      userId: context.account.id,
      parentId,
      options: { path: ['followUp'], equals: followUp },
      OR: [{ status: { in: [...RETRYABLE_STATUSES] } }, { deletedAt: { not: null } }],
    },
  });
  return `${followUp}:${parentId}:${tries}`;
}

async function loadStoredPicture(context: ChatContext, assetId: string): Promise<MediaFile | undefined> {
  const asset = await context.deps.prisma.mediaAsset.findUnique({ where: { id: assetId } });
  const bytes = asset ? await context.deps.media.get(asset.storageKey) : undefined;
  return asset && bytes ? { bytes, mime: asset.mime } : undefined;
}
