import { describe, expect, it } from 'vitest';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import { DEFAULT_MODERATION_RULES } from '#core/moderation/moderation-rules';
import { evaluateLabelledPrompts, MODERATION_TARGETS } from '#tests/core/moderation/evaluate-labelled-prompts';
import { LABELLED_PROMPTS } from '#tests/core/moderation/labelled-prompts';

const evaluation = evaluateLabelledPrompts(
  LABELLED_PROMPTS,
  DEFAULT_MODERATION_RULES,
  compileModerationRules(DEFAULT_MODERATION_RULES),
);

describe('the default local rules on the labelled prompt set', () => {
  it('has at least 400 prompts, harmful ones of every category in en, zh-Hans and zh-Hant', () => {
    expect(LABELLED_PROMPTS.length).toBeGreaterThanOrEqual(400);
    for (const category of Object.keys(DEFAULT_MODERATION_RULES.categories).filter(
      (name) => DEFAULT_MODERATION_RULES.categories[name]?.isBlocking,
    )) {
      for (const language of ['en', 'zh-Hans', 'zh-Hant']) {
        expect(
          LABELLED_PROMPTS.filter((entry) => entry.label === category && entry.language === language).length,
          `${category} in ${language}`,
        ).toBeGreaterThanOrEqual(5);
      }
    }
    expect(LABELLED_PROMPTS.filter((entry) => entry.label === 'benign').length).toBeGreaterThanOrEqual(150);
  });

  it(`catches at least ${MODERATION_TARGETS.severeRecall * 100}% of each severe category, as severe`, () => {
    const severe = evaluation.categories.filter((score) => score.isSevere);
    expect(severe.map((score) => score.category)).toEqual(['sexual_minors']);
    for (const score of severe)
      expect(score.recall, `${score.category} missed: ${score.missed.join(' | ')}`).toBeGreaterThanOrEqual(
        MODERATION_TARGETS.severeRecall,
      );
  });

  it('catches at least 90% of each other category', () => {
    for (const score of evaluation.categories)
      expect(score.recall, `${score.category} missed: ${score.missed.join(' | ')}`).toBeGreaterThanOrEqual(0.9);
  });

  it(`blocks at most ${MODERATION_TARGETS.falsePositiveRate * 100}% of the benign look-alikes`, () => {
    expect(evaluation.falsePositiveRate, `blocked: ${evaluation.falsePositives.join(' | ')}`).toBeLessThanOrEqual(
      MODERATION_TARGETS.falsePositiveRate,
    );
  });
});
