import { checkLocalRules } from '#core/moderation/check-local-rules';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import { DEFAULT_MODERATION_RULES } from '#core/moderation/moderation-rules';
import { markdownTable, percentile } from '#tests/bench/report';
import {
  evaluateLabelledPrompts,
  formatPercent,
  MODERATION_TARGETS,
  type LabelledEvaluation,
} from '#tests/core/moderation/evaluate-labelled-prompts';
import { LABELLED_PROMPTS } from '#tests/core/moderation/labelled-prompts';

/** One line of the moderation table: a category's recall, or the false-positive rate. */
export type ModerationQualityRow = {
  readonly what: string;
  readonly prompts: string;
  readonly measured: string;
  readonly target: string;
  readonly isMet: boolean;
  readonly note: string;
};

/**
 * The local moderation stage on the labelled prompt set (`tests/core/moderation/labelled-prompts.ts`)
 * with the default rules: recall per category (severe ones judged against ≥ 97%, the others
 * reported), the false-positive rate on benign look-alikes (≤ 2%), and the time of one check.
 * Needs no database, Redis or network; takes about a second.
 */
export function measureModerationQuality(): {
  rows: ModerationQualityRow[];
  markdown: string;
  evaluation: LabelledEvaluation;
} {
  const compiled = compileModerationRules(DEFAULT_MODERATION_RULES);
  const evaluation = evaluateLabelledPrompts(LABELLED_PROMPTS, DEFAULT_MODERATION_RULES, compiled);
  const rows: ModerationQualityRow[] = evaluation.categories.map((score) => {
    const isMet = !score.isSevere || score.recall >= MODERATION_TARGETS.severeRecall;
    return {
      what: `recall, ${score.category}${score.isSevere ? ' (severe)' : ''}`,
      prompts: `${score.caught}/${score.total}`,
      measured: formatPercent(score.recall),
      target: score.isSevere
        ? `≥ ${formatPercent(MODERATION_TARGETS.severeRecall)}: ${isMet ? 'met' : 'MISSED'}`
        : '(reported)',
      isMet,
      note:
        score.missed.length === 0
          ? ''
          : `missed: ${score.missed.slice(0, 3).join(' | ')}${score.missed.length > 3 ? ' …' : ''}`,
    };
  });
  const isFalsePositiveMet = evaluation.falsePositiveRate <= MODERATION_TARGETS.falsePositiveRate;
  rows.push({
    what: 'false positives (benign look-alikes blocked)',
    prompts: `${evaluation.falsePositives.length}/${evaluation.benignTotal}`,
    measured: formatPercent(evaluation.falsePositiveRate),
    target: `≤ ${formatPercent(MODERATION_TARGETS.falsePositiveRate)}: ${isFalsePositiveMet ? 'met' : 'MISSED'}`,
    isMet: isFalsePositiveMet,
    note: evaluation.falsePositives.slice(0, 3).join(' | '),
  });

  const latencies: number[] = [];
  for (let round = 0; round < 20; round += 1) {
    for (const { prompt } of LABELLED_PROMPTS) {
      const started = performance.now();
      checkLocalRules(prompt, compiled);
      latencies.push((performance.now() - started) * 1000);
    }
  }
  rows.push({
    what: 'time of one local check',
    prompts: String(latencies.length),
    measured: `p50 ${percentile(latencies, 50).toFixed(0)} µs, p99 ${percentile(latencies, 99).toFixed(0)} µs`,
    target: '(reported)',
    isMet: true,
    note: 'labelled prompts, 20 rounds, after warm-up',
  });

  const markdown = [
    '## Moderation quality (`tests/bench/moderation-quality.ts`)',
    '',
    `The local rules (defaults) on ${LABELLED_PROMPTS.length} labelled prompts in English, Simplified and Traditional Chinese (\`tests/core/moderation/labelled-prompts.ts\`). A harmful prompt counts as caught when blocked under its own category (a severe one: as severe).`,
    '',
    markdownTable(
      ['measure', 'prompts', 'measured', 'target', 'note'],
      rows.map((row) => [row.what, row.prompts, row.measured, row.target, row.note]),
    ),
  ].join('\n');
  return { rows, markdown, evaluation };
}
