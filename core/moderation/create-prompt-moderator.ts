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
export function createPromptModerator(options: { rules: CompiledModerationRules; openai: OpenAI | undefined; mode: 'fail-closed' | 'local-only'; logger: Logger; timeoutMs?: number }): PromptModerator {
  return {
    async check(prompt: string): Promise<ModerationResult> {
      const local = checkLocalRules(prompt, options.rules);
      if (local.verdict === 'blocked') return { verdict: 'blocked', stage: 'local', categories: local.categories, isSevere: local.isSevere };
      if (!options.openai) return { verdict: 'allowed', stage: 'local' };
      try {
        const remote = await checkWithOpenAi(options.openai, prompt, AbortSignal.timeout(options.timeoutMs ?? 5_000));
        if (remote.categories.length > 0) return { verdict: 'blocked', stage: 'openai', categories: remote.categories, isSevere: remote.isSevere };
        return { verdict: 'allowed', stage: 'openai' };
      } catch (error) {
        options.logger.warn({ err: error }, 'OpenAI moderation unavailable');
        if (options.mode === 'fail-closed') throw new AppError('moderation_unavailable', { cause: error });
        return { verdict: 'allowed', stage: 'local' };
      }
    },
    async checkImage(image): Promise<ModerationResult> {
      if (!options.openai) return { verdict: 'allowed', stage: 'none' };
      try {
        const remote = await checkWithOpenAi(options.openai, image, AbortSignal.timeout(options.timeoutMs ?? 10_000));
        if (remote.categories.length > 0) return { verdict: 'blocked', stage: 'openai:image', categories: remote.categories, isSevere: remote.isSevere };
        return { verdict: 'allowed', stage: 'openai:image' };
      } catch (error) {
        options.logger.warn({ err: error }, 'OpenAI image moderation unavailable');
        if (options.mode === 'fail-closed') throw new AppError('moderation_unavailable', { cause: error });
        return { verdict: 'allowed', stage: 'none' };
      }
    },
  };
}
