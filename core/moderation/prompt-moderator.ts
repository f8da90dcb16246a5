/** One moderation decision on a prompt. */
export type ModerationResult =
  | { verdict: 'allowed'; stage: string }
  | { verdict: 'blocked'; stage: string; categories: string[]; isSevere: boolean };

/**
 * Decides whether a prompt may be generated. Runs before any credit is reserved. Throws
 * `AppError('moderation_unavailable')` when a required stage cannot answer (fail-closed).
 */
export interface PromptModerator {
  check(prompt: string): Promise<ModerationResult>;
  /**
   * Decides whether an input image (a photo sent for editing) may be used, where a provider that
   * sees images is configured (OpenAI's omni-moderation); without one it is allowed at stage
   * `none`. Same failure rule as `check`.
   */
  checkImage(image: { bytes: Buffer; mime: string }): Promise<ModerationResult>;
}
