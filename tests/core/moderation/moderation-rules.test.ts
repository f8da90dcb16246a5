import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkLocalRules } from '#core/moderation/check-local-rules';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import {
  DEFAULT_MODERATION_RULES,
  mergeModerationRules,
  type ModerationRulesOverride,
  ModerationRulesSchema,
} from '#core/moderation/moderation-rules';

const check = (prompt: string, overrides: ModerationRulesOverride) =>
  checkLocalRules(prompt, compileModerationRules(mergeModerationRules(DEFAULT_MODERATION_RULES, overrides)));

/** Every problem of a failed parse or merge, as `path: message`. */
function readProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof z.ZodError) return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ZodError');
}

describe('DEFAULT_MODERATION_RULES', () => {
  it('is valid as it stands', () => {
    expect(ModerationRulesSchema.parse(DEFAULT_MODERATION_RULES)).toEqual(DEFAULT_MODERATION_RULES);
  });

  it('has the product categories, with only sexual content involving minors severe', () => {
    const categories = Object.entries(DEFAULT_MODERATION_RULES.categories);
    expect(categories.filter(([, category]) => category.isBlocking).map(([name]) => name)).toEqual([
      'sexual_minors',
      'sexual',
      'violence_graphic',
      'self_harm',
      'hate',
      'harassment',
      'illegal',
    ]);
    expect(categories.filter(([, category]) => category.isSevere).map(([name]) => name)).toEqual(['sexual_minors']);
  });
});

describe('mergeModerationRules', () => {
  it('extends a category without changing the defaults', () => {
    expect(check('a wombat fight', { categories: { violence_graphic: { terms: ['wombat fight'] } } })).toEqual({
      verdict: 'blocked',
      categories: ['violence_graphic'],
      isSevere: false,
      matched: ['wombat fight'],
    });
    expect(check('gore', { categories: { violence_graphic: { terms: ['wombat fight'] } } }).verdict).toBe('blocked');
    expect(checkLocalRules('a wombat fight', compileModerationRules(DEFAULT_MODERATION_RULES))).toEqual({
      verdict: 'allowed',
    });
    expect(JSON.stringify(DEFAULT_MODERATION_RULES)).not.toContain('wombat');
  });

  it('replaces a category list, keeping its severity', () => {
    const merged = mergeModerationRules(DEFAULT_MODERATION_RULES, {
      categories: { sexual_minors: { mode: 'replace', terms: ['forbidden thing'] } },
    });
    expect(merged.categories.sexual_minors).toEqual({
      isSevere: true,
      isBlocking: true,
      terms: ['forbidden thing'],
      patterns: [],
      combinations: [],
    });
    const rules = compileModerationRules(merged);
    expect(checkLocalRules('a forbidden thing', rules)).toMatchObject({
      verdict: 'blocked',
      categories: ['sexual_minors'],
      isSevere: true,
    });
    expect(checkLocalRules('lolicon', rules)).toEqual({ verdict: 'allowed' });
  });

  it('removes a term, compared after folding', () => {
    const overrides = { categories: { sexual: { removeTerms: ['NUDE'] } } };
    expect(check('a nude portrait in oil', overrides)).toEqual({ verdict: 'allowed' });
    expect(check('a naked portrait', overrides).verdict).toBe('blocked');
  });

  it('lets an adult-content operator stop blocking sexual content while minors stay protected', () => {
    const overrides = { categories: { sexual: { isBlocking: false } } };
    expect(check('a nude woman', overrides)).toEqual({ verdict: 'allowed' });
    expect(check('a nude child', overrides)).toEqual({
      verdict: 'blocked',
      categories: ['sexual_minors'],
      isSevere: true,
      matched: ['child', 'nude'],
    });
  });

  it('adds and removes exceptions', () => {
    expect(
      check('a burrito party', { categories: { illegal: { terms: ['burrito'] } }, exceptions: ['burrito party'] }),
    ).toEqual({ verdict: 'allowed' });
    expect(check('seen with the naked eye', { removeExceptions: ['naked eye'] })).toMatchObject({
      verdict: 'blocked',
      matched: ['naked'],
    });
  });

  it('creates a new category, with its patterns and combinations', () => {
    const overrides: ModerationRulesOverride = {
      categories: {
        brand: { terms: ['acme'], patterns: [String.raw`\bacme\d+\b`] },
        brand_violence: { isSevere: true, combinations: [['brand', 'violence_graphic']] },
      },
    };
    expect(check('acme logo', overrides)).toEqual({
      verdict: 'blocked',
      categories: ['brand'],
      isSevere: false,
      matched: ['acme'],
    });
    expect(check('acme2000 robot', overrides)).toMatchObject({ categories: ['brand'], matched: ['acme2000'] });
    expect(check('acme gore', overrides)).toEqual({
      verdict: 'blocked',
      categories: ['violence_graphic', 'brand', 'brand_violence'],
      isSevere: true,
      matched: ['gore', 'acme'],
    });
  });

  it('changes compactMinLength', () => {
    expect(check('k.y.s', {})).toEqual({ verdict: 'allowed' });
    expect(check('k.y.s', { compactMinLength: 3 })).toMatchObject({ verdict: 'blocked', matched: ['kys'] });
  });

  it('lists every problem at once: unknown removals and broken combinations', () => {
    const problems = readProblems(() =>
      mergeModerationRules(DEFAULT_MODERATION_RULES, {
        removeExceptions: ['no such exception'],
        categories: {
          sexual: { removeTerms: ['nude', 'no such term'], removePatterns: ['(x)'] },
          minor_age: { mode: 'replace', combinations: [['sexual', 'nonexistent']] },
        },
      }),
    );
    expect(problems).toEqual([
      "categories.sexual.removeTerms.1: 'no such term' is not in the base list",
      "categories.sexual.removePatterns.0: '(x)' is not in the base list",
      "removeExceptions.0: 'no such exception' is not in the base list",
      "categories.minor_age.combinations.0.1: Unknown category 'nonexistent'",
    ]);
  });

  it('rejects an override with a misspelt field', () => {
    expect(
      readProblems(() =>
        mergeModerationRules(DEFAULT_MODERATION_RULES, { categories: { sexual: { term: ['x'] } } } as never),
      ),
    ).toEqual(['categories.sexual: Unrecognized key: "term"']);
  });
});

describe('ModerationRulesSchema', () => {
  it.each([
    [
      'an invalid regular expression',
      { x: { patterns: ['(unclosed'] } },
      'categories.x.patterns.0: Not a valid regular expression',
    ],
    [
      'a pattern that matches everything',
      { x: { patterns: ['a*'] } },
      'categories.x.patterns.0: The pattern matches an empty text',
    ],
    ['a category name with capitals', { Bad: { terms: ['x'] } }, 'categories.Bad: Invalid key in record'],
    ['an empty term', { x: { terms: ['   '] } }, 'categories.x.terms.0'],
    [
      'a term without letters',
      { x: { terms: ['!!!'] } },
      'categories.x.terms.0: A term needs at least one letter or digit',
    ],
    ['a star inside a term', { x: { terms: ['po*rn'] } }, "categories.x.terms.0: '*' may only end a term"],
    ['an unknown field', { x: { terms: ['x'], isSever: true } }, 'categories.x: Unrecognized key: "isSever"'],
    [
      'a one-category combination',
      { x: { combinations: [['y']] }, y: {} },
      'categories.x.combinations.0: A combination names at least two categories',
    ],
    [
      'a combination naming itself',
      { x: { combinations: [['x', 'y']] }, y: {} },
      "categories.x.combinations.0.0: Category 'x' cannot name itself",
    ],
    [
      'a combination naming an unknown category',
      { x: { combinations: [['y', 'z']] }, y: {} },
      "categories.x.combinations.0.1: Unknown category 'z'",
    ],
  ])('rejects %s', (_case, categories, problem) => {
    const problems = readProblems(() => ModerationRulesSchema.parse({ categories }));
    expect(problems.some((found) => found.startsWith(problem))).toBe(true);
  });

  it('rejects a compactMinLength below 1', () => {
    expect(readProblems(() => ModerationRulesSchema.parse({ compactMinLength: 0, categories: {} }))[0]).toMatch(
      /^compactMinLength: /,
    );
  });

  it('lists every problem in one error', () => {
    const problems = readProblems(() =>
      ModerationRulesSchema.parse({ categories: { a: { terms: [''], patterns: ['('] }, B: {} } }),
    );
    expect(problems.length).toBeGreaterThanOrEqual(3);
  });

  it('fills defaults for what an operator leaves out', () => {
    expect(ModerationRulesSchema.parse({ categories: { spam: { terms: ['buy now'] } } })).toEqual({
      compactMinLength: 4,
      exceptions: [],
      categories: { spam: { isSevere: false, isBlocking: true, terms: ['buy now'], patterns: [], combinations: [] } },
    });
  });
});
