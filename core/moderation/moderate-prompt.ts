import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { STRIKE_POLICY } from '#core/moderation/strike-policy';
import { suspendAccount } from '#core/moderation/suspend-account';
import { durationVars, formatUtc } from '#core/moderation/suspension-notice';

/**
 * Moderates a prompt before anything is reserved and stores the verdict as a moderation event.
 * A block counts as a strike: too many in the window, or one severe, suspends generation.
 * The error says at once, in words, what happens to the account: `content_blocked` (the prompt
 * is refused, this is strike n of the limit) or `content_blocked_suspended` (creating is paused
 * for how long, until when, and how to appeal).
 *
 * With `recordAllowed: false` an allowed verdict is returned but not stored: the caller stores it
 * with what it writes next (admission does, in the statement that creates the generation, linked
 * to it), so an allowed prompt costs no write of its own. Blocks are always stored here.
 */
export async function moderatePrompt(
  deps: CoreDeps,
  input: { userId: string; prompt: string; now: Date; generationId?: string },
  options: { recordAllowed?: boolean } = {},
): Promise<{ stage: string }> {
  const result = await deps.moderator.check(input.prompt);
  if (result.verdict === 'allowed') {
    if (options.recordAllowed !== false)
      await deps.prisma.moderationEvent.create({
        data: { userId: input.userId, stage: result.stage, verdict: 'allowed', categories: [] },
      });
    return { stage: result.stage };
  }
  return refuseBlocked(deps, { userId: input.userId, now: input.now, prompt: input.prompt }, result);
}

/** What a blocked input image is recorded as in place of a prompt (the image itself is not kept). */
export const INPUT_IMAGE_MARK = '[photo sent for editing]';

/**
 * Moderates a photo sent for editing, where a moderation provider that sees images is configured.
 * A block is recorded and counted exactly like a blocked prompt (strikes, severe suspension) and
 * answered the same way, before anything is stored or reserved.
 */
export async function moderateInputImage(
  deps: CoreDeps,
  input: { userId: string; image: { bytes: Buffer; mime: string }; now: Date },
): Promise<{ stage: string }> {
  const result = await deps.moderator.checkImage(input.image);
  if (result.verdict === 'allowed') return { stage: result.stage };
  return refuseBlocked(deps, { userId: input.userId, now: input.now, prompt: INPUT_IMAGE_MARK }, result);
}

async function refuseBlocked(
  deps: CoreDeps,
  input: { userId: string; now: Date; prompt: string },
  result: { stage: string; categories: string[]; isSevere: boolean },
): Promise<never> {
  await deps.prisma.moderationEvent.create({
    data: {
      userId: input.userId,
      stage: result.stage,
      verdict: 'blocked',
      categories: result.categories,
      isSevere: result.isSevere,
      prompt: input.prompt,
    },
  });
  const category = result.categories[0] ?? 'other';
  const suspend = async (reason: string, durationMs: number): Promise<never> => {
    const until = new Date(input.now.getTime() + durationMs);
    await suspendAccount(deps, { userId: input.userId, reason, category, until, actor: 'moderation' });
    throw new AppError('content_blocked_suspended', {
      vars: { category, until: formatUtc(until), ...durationVars(durationMs) },
    });
  };
  if (result.isSevere) await suspend('severe_content', STRIKE_POLICY.severeSuspensionDays * 86_400_000);
  const since = new Date(input.now.getTime() - STRIKE_POLICY.windowHours * 3_600_000);
  const strikes = await deps.prisma.moderationEvent.count({
    where: { userId: input.userId, verdict: 'blocked', createdAt: { gte: since } },
  });
  if (strikes >= STRIKE_POLICY.limit)
    await suspend('repeated_blocked_prompts', STRIKE_POLICY.suspensionHours * 3_600_000);
  throw new AppError('content_blocked', {
    vars: {
      category,
      strikes,
      limit: STRIKE_POLICY.limit,
      hours: STRIKE_POLICY.windowHours,
      pause: STRIKE_POLICY.suspensionHours,
    },
  });
}
