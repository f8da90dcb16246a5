import { ACCOUNT_SELECT, toAccount, type Account } from '#core/accounts/account';
import { BURST_RULE } from '#core/chat/run-chat-command';
import type { CoreDeps } from '#core/core-deps';
import { getBalance } from '#core/credits/get-balance';
import { AppError } from '#core/errors/app-error';
import { admitGeneration, planGeneration } from '#core/generation/admit-generation';
import { assertInputImageSize, checkInputImage } from '#core/generation/check-input-image';
import { imageOptionsFromForm, type ImageFormFields } from '#core/generation/parse-generation-options';
import type { Locale } from '#core/i18n/locales';
import type { MediaFile } from '#core/providers/ports';

/** An image request from the web form of a signed-in user. */
export type WebCreateInput = {
  userId: string;
  locale: Locale;
  fields: ImageFormFields;
  /** The bytes of an uploaded picture to edit (checked here by content, whatever the browser called it). */
  upload?: Buffer | undefined;
  /** One of the user's own stored pictures to edit instead (`/create?vary=`). */
  inputAssetId?: string | undefined;
  /** The form's one-time id: a form sent twice (a double click, a reload) is admitted once. */
  requestId: string;
};

const REQUEST_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Starts an image generation for a web user through the very path of `/imagine`: the same
 * option checks (`imageOptionsFromForm` shares `/imagine`'s), the same picture checks, and
 * `admitGeneration` (account state, moderation, per-user limits and spacing, the price, the
 * credit reservation, the queue). Only the delivery differs: `{ platform: 'web' }`, nothing to
 * send, the job page reads the result. Bursts are limited per user like chat commands. Every
 * refusal throws before anything is written or charged.
 */
export async function createWebGeneration(
  deps: CoreDeps,
  input: WebCreateInput,
): Promise<{ generationId: string; cost: number }> {
  if (!REQUEST_ID.test(input.requestId)) throw new AppError('invalid_input');
  const burst = await deps.limiter.tryTake(`web:create:${input.userId}`, BURST_RULE);
  if (!burst.allowed) throw new AppError('rate_limited', { vars: { seconds: Math.ceil(burst.retryAfterMs / 1000) } });
  const account = await loadAccount(deps, input.userId);
  const options = imageOptionsFromForm(input.fields);
  const inputImage = await readInputImage(deps, input);
  const admission = await admitGeneration(deps, {
    account,
    locale: input.locale,
    options,
    delivery: { platform: 'web', locale: input.locale },
    eventId: `${input.userId}:${input.requestId}`,
    ...(inputImage ? { inputImage: inputImage.file } : {}),
    ...(inputImage?.parentId ? { parentId: inputImage.parentId } : {}),
  });
  return { generationId: admission.generationId, cost: admission.cost };
}

/**
 * The price of a web form's request as it stands, and the user's balance: the same planning and
 * cost function as admission (`planGeneration`), so the price shown is the price reserved. The
 * words of the prompt do not change the price: an empty prompt is quoted like any other.
 */
export async function quoteWebGeneration(
  deps: CoreDeps,
  input: { userId: string; locale: Locale; fields: ImageFormFields; hasInputImage: boolean },
): Promise<{ cost: number; balance: number }> {
  const account = await loadAccount(deps, input.userId);
  const options = imageOptionsFromForm(input.fields);
  const plan = await planGeneration(deps, {
    account,
    locale: input.locale,
    options: { ...options, prompt: options.prompt.trim() === '' ? 'price' : options.prompt },
    hasInputImage: input.hasInputImage,
  });
  const balance = await getBalance(deps.prisma, input.userId, deps.clock.now());
  return { cost: plan.cost, balance: balance.available };
}

async function loadAccount(deps: Pick<CoreDeps, 'prisma'>, userId: string): Promise<Account> {
  const row = await deps.prisma.user.findUnique({ where: { id: userId }, select: ACCOUNT_SELECT });
  if (!row) throw new AppError('account_deleted');
  return toAccount(row);
}

async function readInputImage(
  deps: Pick<CoreDeps, 'prisma' | 'media'>,
  input: WebCreateInput,
): Promise<{ file: MediaFile; parentId: string | undefined } | undefined> {
  if (input.upload && input.upload.length > 0) {
    assertInputImageSize(input.upload.length);
    const { bytes, mime } = checkInputImage(input.upload);
    return { file: { bytes, mime }, parentId: undefined };
  }
  if (!input.inputAssetId) return undefined;
  const asset = /^[0-9a-f-]{36}$/.test(input.inputAssetId)
    ? await deps.prisma.mediaAsset.findUnique({ where: { id: input.inputAssetId } })
    : null;
  const bytes = asset && asset.userId === input.userId ? await deps.media.get(asset.storageKey) : undefined;
  if (!asset || !bytes) throw new AppError('job_not_found');
  assertInputImageSize(bytes.length);
  const { mime } = checkInputImage(bytes);
  return { file: { bytes, mime }, parentId: asset.generationId ?? undefined };
}
