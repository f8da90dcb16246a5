import type OpenAI from 'openai';
import { AppError } from '#core/errors/app-error';
import type { Logger } from '#core/infra/logger';
import { checkWithOpenAi } from '#core/moderation/openai-moderation-stage';
import type { ModerationResult, PromptModerator } from '#core/moderation/prompt-moderator';
import { checkLocalRules } from '#core/moderation/check-local-rules';
import type { CompiledModerationRules } from '#core/moderation/compile-moderation-rules';

/**
 * The moderation pipeline: local rules first (offline, fast), then OpenAI's moderation when a
 * key is configured (which also checks input images; without a key they are not checked). If OpenAI cannot answer, `fail-closed` refuses the prompt with
 * `moderation_unavailable` (nothing is charged) and `local-only` lets the local verdict stand.
 */
export function createPromptModerator(options: {
  rules: CompiledModerationRules;
  openai: OpenAI | undefined;
  mode: 'fail-closed' | 'local-only';
  logger: Logger;
  timeoutMs?: number;
}): PromptModerator {
  return {
    async check(prompt: string): Promise<ModerationResult> {
      const local = checkLocalRules(prompt, options.rules);
      if (local.verdict === 'blocked')
        return { verdict: 'blocked', stage: 'local', categories: local.categories, isSevere: local.isSevere };
      return checkRemotely(prompt, {
        timeoutMs: options.timeoutMs ?? 5_000,
        stage: 'openai',
        fallbackStage: 'local',
        what: 'OpenAI moderation',
      });
    },
    async checkImage(image): Promise<ModerationResult> {
      return checkRemotely(image, {
        timeoutMs: options.timeoutMs ?? 10_000,
        stage: 'openai:image',
        fallbackStage: 'none',
        what: 'OpenAI image moderation',
      });
    },
  };

  /** One OpenAI moderation call; when it fails, fail-closed refuses and fail-open allows under `fallbackStage`. */
  async function checkRemotely(
    input: Parameters<typeof checkWithOpenAi>[1],
    how: { timeoutMs: number; stage: string; fallbackStage: string; what: string },
  ): Promise<ModerationResult> {
    if (!options.openai) return { verdict: 'allowed', stage: how.fallbackStage };
    try {
      const remote = await checkWithOpenAi(options.openai, input, AbortSignal.timeout(how.timeoutMs));
      if (remote.categories.length > 0)
        return { verdict: 'blocked', stage: how.stage, categories: remote.categories, isSevere: remote.isSevere };
      return { verdict: 'allowed', stage: how.stage };
    } catch (error) {
      options.logger.warn({ err: error }, `${how.what} unavailable`);
      if (options.mode === 'fail-closed') throw new AppError('moderation_unavailable', { cause: error });
      return { verdict: 'allowed', stage: how.fallbackStage };
    }
  }
}
