import type { ModerationResult, PromptModerator } from '#core/moderation/prompt-moderator';

/**
 * A {@link PromptModerator} built on its first check. Compiling the built-in rules takes a few
 * hundred milliseconds of start-up CPU, which processes that never moderate (the web, a worker
 * with no photo edits) need not pay.
 */
export function createLazyModerator(build: () => PromptModerator): PromptModerator {
  let built: PromptModerator | undefined;
  const moderator = (): PromptModerator => (built ??= build());
  return {
    check: (prompt: string): Promise<ModerationResult> => moderator().check(prompt),
    checkImage: (image): Promise<ModerationResult> => moderator().checkImage(image),
  };
}
