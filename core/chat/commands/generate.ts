import { deliveryTargetOf, type ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { hasAcceptedTerms, termsPrompt } from '#core/chat/commands/onboarding';
import { AppError } from '#core/errors/app-error';
import { admitGeneration, type Admission } from '#core/generation/admit-generation';
import { cancelGeneration } from '#core/generation/cancel-generation';
import { parseGenerationOptions, type GenerationOptions } from '#core/generation/parse-generation-options';
import type { MediaFile } from '#core/providers/ports';
import { assertInputImageSize, checkInputImage } from '#core/generation/check-input-image';

/** /imagine and /video: parse, admit, and answer with the job's status message. */
export async function runGenerate(context: ChatContext, kind: 'image' | 'video', args: string): Promise<Reply[]> {
  if (!hasAcceptedTerms(context)) return [termsPrompt(context)];
  if (args.trim() === '' && !context.request.attachments?.length)
    return [textReply(kind === 'image' ? 'imagine.usage' : 'video.usage')];
  const options = parseGenerationOptions(kind, args);
  const inputImage = await loadAttachment(context);
  return admit(context, options, { inputImage, eventId: context.request.eventId });
}

/**
 * The cancel button on a job, or /cancel for the user's newest waiting job. The job's own
 * message then says it was cancelled and refunded; /cancel also answers that it is cancelling.
 */
export async function runCancel(context: ChatContext, generationId: string | undefined): Promise<Reply[]> {
  const id =
    generationId ??
    (
      await context.deps.prisma.generation.findFirst({
        where: { userId: context.account.id, status: { in: ['queued', 'running'] } },
        orderBy: { createdAt: 'desc' },
        select: { id: true },
      })
    )?.id;
  if (!id) return [textReply('job.nothing_to_cancel')];
  if (generationId) await findOwnGeneration(context, generationId);
  const outcome = await cancelGeneration(context.deps, id);
  if (outcome === 'not_cancellable') throw new AppError('job_not_cancellable');
  return generationId ? [] : [textReply('job.cancel_requested')];
}

/** Admits `options` for this request and answers with the job's status message (cost, queue place, Cancel). */
export async function admit(
  context: ChatContext,
  options: GenerationOptions,
  extra: { inputImage: MediaFile | undefined; eventId: string; parentId?: string },
): Promise<Reply[]> {
  return [statusReplyOf(await admitRequest(context, options, extra))];
}

/** Admits a generation for the user of `context`, delivered to this chat (see `admitGeneration`). */
export async function admitRequest(
  context: ChatContext,
  options: GenerationOptions,
  extra: { inputImage: MediaFile | undefined; eventId: string; parentId?: string },
): Promise<Admission> {
  return admitGeneration(context.deps, {
    account: context.account,
    locale: context.locale,
    options,
    delivery: deliveryTargetOf(context),
    eventId: extra.eventId,
    ...(context.held ? { generationId: context.held.generationId } : {}),
    ...(extra.parentId ? { parentId: extra.parentId } : {}),
    ...(extra.inputImage ? { inputImage: extra.inputImage } : {}),
  });
}

/** The status message of an admitted job: its cost, its place in the queue and a Cancel button. */
export function statusReplyOf(admission: Admission): Reply {
  const position = admission.position ?? 0;
  return {
    type: 'status',
    generationId: admission.generationId,
    text:
      position > 0
        ? { key: 'job.queued', vars: { cost: admission.cost, position: position + 1 } }
        : { key: 'job.queued_next', vars: { cost: admission.cost } },
    buttons: [[{ label: { key: 'job.cancel_button' }, action: { name: 'cancel_job', arg: admission.generationId } }]],
  };
}

/** The user's own generation `generationId`; refuses one that is gone (or deleted from the gallery) or someone else's. */
export async function findOwnGeneration(context: ChatContext, generationId: string) {
  const generation = /^[0-9a-f-]{36}$/.test(generationId)
    ? await context.deps.prisma.generation.findUnique({ where: { id: generationId } })
    : null;
  // A creation its owner deleted in the gallery has no prompt left to make again.
  if (!generation || generation.deletedAt) throw new AppError('job_not_found');
  if (generation.userId !== context.account.id) throw new AppError('not_job_owner');
  return generation;
}

async function loadAttachment(context: ChatContext): Promise<MediaFile | undefined> {
  const attachment = context.request.attachments?.[0];
  if (!attachment) return undefined;
  if (!/^image\/(png|jpeg|webp|gif)$/.test(attachment.mime))
    throw new AppError('invalid_option', {
      vars: { option: 'image', value: attachment.mime, allowed: 'PNG, JPEG, WebP, GIF' },
    });
  if (attachment.sizeBytes !== undefined) assertInputImageSize(attachment.sizeBytes);
  const bytes = await attachment.fetch();
  assertInputImageSize(bytes.length);
  const { mime } = checkInputImage(bytes);
  return { bytes, mime };
}
