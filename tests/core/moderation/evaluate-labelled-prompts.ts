import { checkLocalRules } from '#core/moderation/check-local-rules';
import type { CompiledModerationRules } from '#core/moderation/compile-moderation-rules';
import type { ModerationRules } from '#core/moderation/moderation-rules';
import type { LabelledPrompt } from '#tests/core/moderation/labelled-prompts';

/** The targets for the local stage on the labelled set. */
export const MODERATION_TARGETS = { severeRecall: 0.97, falsePositiveRate: 0.02 } as const;

/** How one category of harmful prompts fared. */
export type CategoryScore = {
  readonly category: string;
  readonly isSevere: boolean;
  readonly total: number;
  readonly caught: number;
  readonly recall: number;
  /** Prompts not blocked under this category (for a severe one: not blocked as severe). */
  readonly missed: readonly string[];
};

export type LabelledEvaluation = {
  readonly categories: readonly CategoryScore[];
  readonly benignTotal: number;
  /** Benign prompts that were blocked. */
  readonly falsePositives: readonly string[];
  readonly falsePositiveRate: number;
  /** Human-readable misses of the targets; empty when every target holds. */
  readonly misses: readonly string[];
};

/**
 * Runs every labelled prompt through the local rules. A harmful prompt counts as caught when it is
 * blocked under its own category (and, for a severe category, as severe: the account is
 * suspended); a benign prompt blocked under any category is a false positive.
 */
export function evaluateLabelledPrompts(
  prompts: readonly LabelledPrompt[],
  rules: ModerationRules,
  compiled: CompiledModerationRules,
): LabelledEvaluation {
  const byCategory = new Map<string, { total: number; caught: number; missed: string[] }>();
  const falsePositives: string[] = [];
  let benignTotal = 0;
  for (const { prompt, label } of prompts) {
    const result = checkLocalRules(prompt, compiled);
    if (label === 'benign') {
      benignTotal += 1;
      if (result.verdict === 'blocked') falsePositives.push(`${prompt} (${result.categories.join(', ')})`);
      continue;
    }
    const score = byCategory.get(label) ?? { total: 0, caught: 0, missed: [] };
    byCategory.set(label, score);
    score.total += 1;
    const isSevere = rules.categories[label]?.isSevere ?? false;
    const isCaught =
      result.verdict === 'blocked' && result.categories.includes(label) && (!isSevere || result.isSevere);
    if (isCaught) score.caught += 1;
    else score.missed.push(prompt);
  }
  const categories = [...byCategory].map(([category, score]) => ({
    category,
    isSevere: rules.categories[category]?.isSevere ?? false,
    ...score,
    recall: score.caught / score.total,
  }));
  const falsePositiveRate = benignTotal === 0 ? 0 : falsePositives.length / benignTotal;
  const misses = [
    ...categories
      .filter((score) => score.isSevere && score.recall < MODERATION_TARGETS.severeRecall)
      .map(
        (score) =>
          `recall of ${score.category} ${formatPercent(score.recall)} < ${formatPercent(MODERATION_TARGETS.severeRecall)}`,
      ),
    ...(falsePositiveRate > MODERATION_TARGETS.falsePositiveRate
      ? [`false positives ${formatPercent(falsePositiveRate)} > ${formatPercent(MODERATION_TARGETS.falsePositiveRate)}`]
      : []),
  ];
  return { categories, benignTotal, falsePositives, falsePositiveRate, misses };
}

/** `0.973` as `97.3%`. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
