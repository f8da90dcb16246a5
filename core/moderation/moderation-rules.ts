/**
 * The word lists and patterns of the local moderation stage, their schema, the defaults, and how
 * an operator's configuration extends or replaces them.
 *
 * Matching semantics (implemented in `compile-moderation-rules.ts`):
 * - A term is a word or phrase. Latin terms match whole words in the folded prompt, so `ass`
 *   never matches `class`. Letters may repeat (`nuuude`) but never fall below the term's own count
 *   (`ass` does not match `as`), and any leetspeak reading of a letter is accepted (`s3x`, `p0rn`,
 *   `k1ll` with `1` as `i` or `l`). A trailing `*` makes a term a word prefix (`porn*`).
 * - Words of a phrase may be joined or split by any spacing or punctuation, up to 16 characters
 *   (`self harm` matches `self-harm` and `selfharm`). Runs of one letter count up to 32.
 * - Leetspeak substitutions may not outnumber real letters in a match (`53x zoom` is a number).
 * - Terms of `compactMinLength` letters or more, and terms with `compactMatch: true`, also match
 *   the compact prompt, which undoes obfuscations such as `n.u.d.e` and `n u d e`; inside a
 *   spelled-out run they may also start mid-run (`a n u d e` reads `anude`). Shorter terms do
 *   not, because joining short runs finds them by accident too often.
 * - CJK terms match as substrings, also with spacing or punctuation between the characters.
 * - Patterns are JavaScript regular expressions (flag `u`) tested against the folded form:
 *   lower-case, NFKC, no leetspeak reading. They are for shapes a word list cannot express, such
 *   as ages (`12 year old`). `matched` reports the first capture group when there is one, else
 *   the whole match. Start a pattern with a literal where possible: one that starts with a
 *   lookbehind is tried at every position, which is slow on CJK text.
 * - A category with `isBlocking: false` never blocks on its own; it exists to be named in another
 *   category's `combinations`, where every listed category must match (by its own terms or
 *   patterns) for that category to block, e.g. an age term together with a sexual term.
 * - `exceptions` are phrases that are never flagged: a term whose match starts inside an
 *   exception is ignored (`gore-tex` does not trip `gore`, `个性交友` does not trip `性交`).
 */
import { z } from 'zod';
import { foldForMatching } from '#core/moderation/normalize-prompt';

const TermTextSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((text) => /[\p{L}\p{N}]/u.test(text), { message: 'A term needs at least one letter or digit' })
  .refine((text) => !text.slice(0, -1).includes('*'), {
    message: "'*' may only end a term, where it makes it a word prefix",
  });

/** A word or phrase; the object form decides whether it is also matched in the compact prompt. */
export const ModerationTermSchema = z.union([
  TermTextSchema,
  z.strictObject({
    term: TermTextSchema,
    /** Overrides the `compactMinLength` rule for this term. */
    compactMatch: z.boolean().optional(),
  }),
]);
export type ModerationTerm = z.infer<typeof ModerationTermSchema>;

/** A regular expression source, compiled with the `u` flag; it must not match an empty prompt. */
export const ModerationPatternSchema = z
  .string()
  .min(1)
  .max(500)
  .superRefine((source, context) => {
    let regex: RegExp;
    try {
      regex = new RegExp(source, 'u');
    } catch (error) {
      context.addIssue({ code: 'custom', message: `Not a valid regular expression: ${(error as Error).message}` });
      return;
    }
    if (regex.test(''))
      context.addIssue({
        code: 'custom',
        message: 'The pattern matches an empty text, so it would block every prompt',
      });
  });

/** Category names are stored with moderation events, so they stay short, lower-case identifiers. */
export const ModerationCategoryNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, {
  message: 'A category name is lower-case letters, digits and underscores, starting with a letter',
});

const CombinationSchema = z
  .array(ModerationCategoryNameSchema)
  .min(2, { message: 'A combination names at least two categories' });

/** One category of disallowed content. */
export const ModerationCategorySchema = z.strictObject({
  /** Severe content suspends the account at once instead of counting a strike. */
  isSevere: z.boolean().default(false),
  /** `false`: matches only feed other categories' `combinations`. */
  isBlocking: z.boolean().default(true),
  terms: z.array(ModerationTermSchema).default([]),
  patterns: z.array(ModerationPatternSchema).default([]),
  /** Each entry: category names that must all match for this category to block. */
  combinations: z.array(CombinationSchema).default([]),
});
export type ModerationCategory = z.infer<typeof ModerationCategorySchema>;

const CompactMinLengthSchema = z.number().int().min(1).max(100);

/** The whole local rule set; categories are checked and reported in the order written. */
export const ModerationRulesSchema = z
  .strictObject({
    /** Terms with at least this many letters are also matched in the compact prompt. */
    compactMinLength: CompactMinLengthSchema.default(4),
    exceptions: z.array(ModerationTermSchema).default([]),
    categories: z.record(ModerationCategoryNameSchema, ModerationCategorySchema),
  })
  .superRefine((rules, context) => {
    for (const [name, category] of Object.entries(rules.categories)) {
      category.combinations.forEach((combination, combinationIndex) => {
        combination.forEach((referenced, referenceIndex) => {
          const path = ['categories', name, 'combinations', combinationIndex, referenceIndex];
          if (referenced === name) {
            context.addIssue({
              code: 'custom',
              path,
              message: `Category '${name}' cannot name itself in a combination`,
            });
          } else if (!Object.hasOwn(rules.categories, referenced)) {
            context.addIssue({ code: 'custom', path, message: `Unknown category '${referenced}'` });
          }
        });
      });
    }
  });
export type ModerationRules = z.infer<typeof ModerationRulesSchema>;
/** What an operator may write: every field with a default may be left out. */
export type ModerationRulesInput = z.input<typeof ModerationRulesSchema>;

/**
 * An operator's change to one category. Lists extend the base category unless `mode` is
 * `replace`; `isSevere` and `isBlocking` keep the base value unless given, so replacing a severe
 * category's terms never makes it lenient by accident.
 */
export const ModerationCategoryOverrideSchema = z.strictObject({
  mode: z.enum(['extend', 'replace']).default('extend'),
  isSevere: z.boolean().optional(),
  isBlocking: z.boolean().optional(),
  terms: z.array(ModerationTermSchema).optional(),
  /** Terms of the base category to drop (compared after folding); each must exist, so not with `replace`. */
  removeTerms: z.array(TermTextSchema).optional(),
  patterns: z.array(ModerationPatternSchema).optional(),
  /** Patterns of the base category to drop (exact source); each must exist. */
  removePatterns: z.array(z.string()).optional(),
  combinations: z.array(CombinationSchema).optional(),
});

/** An operator's changes to a rule set; a category not in the base is created. */
export const ModerationRulesOverrideSchema = z.strictObject({
  compactMinLength: CompactMinLengthSchema.optional(),
  exceptions: z.array(ModerationTermSchema).optional(),
  removeExceptions: z.array(TermTextSchema).optional(),
  categories: z.record(ModerationCategoryNameSchema, ModerationCategoryOverrideSchema).default({}),
});
/** The override as an operator writes it (before defaults are applied). */
export type ModerationRulesOverride = z.input<typeof ModerationRulesOverrideSchema>;

/**
 * Applies an operator's overrides to a base rule set (usually {@link DEFAULT_MODERATION_RULES})
 * and validates the result. Neither argument is modified.
 *
 * @throws ZodError listing every problem: invalid overrides, removals of terms or patterns that
 * are not in the base, and combinations naming unknown categories.
 */
export function mergeModerationRules(defaults: ModerationRules, overrides: ModerationRulesOverride): ModerationRules {
  const override = ModerationRulesOverrideSchema.parse(overrides);
  const issues: z.core.$ZodIssue[] = [];
  const categories: Record<string, ModerationCategory> = {};
  for (const [name, category] of Object.entries(defaults.categories)) {
    categories[name] = {
      ...category,
      terms: [...category.terms],
      patterns: [...category.patterns],
      combinations: category.combinations.map((names) => [...names]),
    };
  }
  for (const [name, change] of Object.entries(override.categories)) {
    const base = categories[name];
    const isReplace = change.mode === 'replace';
    const path = ['categories', name];
    categories[name] = {
      isSevere: change.isSevere ?? base?.isSevere ?? false,
      isBlocking: change.isBlocking ?? base?.isBlocking ?? true,
      terms: mergeTerms(
        isReplace ? [] : (base?.terms ?? []),
        change.terms ?? [],
        change.removeTerms ?? [],
        [...path, 'removeTerms'],
        issues,
      ),
      patterns: mergePatterns(
        isReplace ? [] : (base?.patterns ?? []),
        change.patterns ?? [],
        change.removePatterns ?? [],
        [...path, 'removePatterns'],
        issues,
      ),
      combinations: [...(isReplace ? [] : (base?.combinations ?? [])), ...(change.combinations ?? [])],
    };
  }
  const merged = {
    compactMinLength: override.compactMinLength ?? defaults.compactMinLength,
    exceptions: mergeTerms(
      defaults.exceptions,
      override.exceptions ?? [],
      override.removeExceptions ?? [],
      ['removeExceptions'],
      issues,
    ),
    categories,
  };
  const result = ModerationRulesSchema.safeParse(merged);
  if (!result.success) issues.push(...result.error.issues);
  if (issues.length > 0 || !result.success) throw new z.ZodError(issues);
  return result.data;
}

function mergeTerms(
  base: readonly ModerationTerm[],
  added: readonly ModerationTerm[],
  removed: readonly string[],
  path: readonly PropertyKey[],
  issues: z.core.$ZodIssue[],
): ModerationTerm[] {
  const byKey = new Map<string, ModerationTerm>();
  for (const term of base) byKey.set(foldTermKey(term), term);
  removed.forEach((term, index) => {
    if (!byKey.delete(foldTermKey(term)))
      issues.push({
        code: 'custom',
        path: [...path, index],
        message: `'${term}' is not in the base list`,
        input: term,
      });
  });
  for (const term of added) byKey.set(foldTermKey(term), term);
  return [...byKey.values()];
}

function mergePatterns(
  base: readonly string[],
  added: readonly string[],
  removed: readonly string[],
  path: readonly PropertyKey[],
  issues: z.core.$ZodIssue[],
): string[] {
  const patterns = new Set(base);
  removed.forEach((pattern, index) => {
    if (!patterns.delete(pattern))
      issues.push({
        code: 'custom',
        path: [...path, index],
        message: `'${pattern}' is not in the base list`,
        input: pattern,
      });
  });
  for (const pattern of added) patterns.add(pattern);
  return [...patterns];
}

function foldTermKey(term: ModerationTerm): string {
  return foldForMatching(typeof term === 'string' ? term : term.term);
}

/**
 * The rules used when an operator configures nothing, in English and Simplified Chinese
 * (Traditional Chinese is folded to Simplified before matching, so it needs no list of its own).
 * Terms are chosen by class: for minors, ages, school grades and words for children; for sexual
 * content, explicit acts and every way of saying undressed; obfuscated spellings of each (the
 * matcher reads leetspeak and masked letters). This stage is a fast first filter; the provider's
 * moderation stage after it sees meaning, not words. Terms that have common innocent uses
 * (`suicide` in "suicide doors", `cock`, `tit`, `pussy`, `dick`, `cp` which in Chinese fandom means
 * a pairing, `baby` which is also a pet name, `想死` as in "miss you to death") are left out, and
 * `sexy` alone is allowed (fashion, cars, pin-up styles) but counts with an age term. The labelled
 * prompts in `tests/core/moderation/labelled-prompts.ts` measure recall and false positives.
 */
export const DEFAULT_MODERATION_RULES: ModerationRules = ModerationRulesSchema.parse({
  compactMinLength: 4,
  exceptions: [
    'sex education',
    'sex ed',
    'rape seed',
    'nude lip*',
    'nude makeup',
    'nude colo*',
    'nude heels',
    'nude nail*',
    'nude tone*',
    'naked eye',
    'naked mole*',
    'naked truth',
    'naked cake*',
    'naked flame*',
    'topless car*',
    'topless convertible*',
    'topless bus*',
    'topless roadster*',
    'white power drill*',
    'white power tool*',
    'white power strip*',
    'white power cord*',
    'white power cable*',
    'white power bank*',
    'white power button*',
    'white power outlet*',
    'white power supply',
    'gore tex',
    'al gore',
    '血腥玛丽',
    '自杀小队',
    '印度支那',
    '性交友',
    '性交往',
    '性交流',
    '跳楼价',
    '跳楼大甩卖',
    '去死海',
    '赤裸裸',
  ],
  categories: {
    sexual_minors: {
      isSevere: true,
      terms: [
        'child porn*',
        'kiddie porn*',
        'pedophil*',
        'paedophil*',
        'pedo',
        'jailbait',
        'lolicon',
        'shotacon',
        'csam',
        '儿童色情',
        '恋童',
        '幼交',
      ],
      combinations: [
        ['minor_age', 'sexual'],
        ['minor_age', 'suggestive'],
      ],
    },
    minor_age: {
      isBlocking: false,
      terms: [
        'child',
        'children',
        'kid',
        'kids',
        'toddler',
        'toddlers',
        'infant',
        'infants',
        'newborn',
        'underage',
        'minor',
        'minors',
        'preteen',
        'preteens',
        'tween',
        'tweens',
        'teen',
        'teens',
        'teenage',
        'teenager',
        'teenagers',
        'adolescent',
        'pubescent',
        'prepubescent',
        'schoolgirl',
        'schoolboy',
        'schoolkid',
        'schoolchild',
        'schoolchildren',
        'little girl',
        'little boy',
        'young girl',
        'young boy',
        'little kid',
        'kindergartner',
        'kindergartener',
        'preschooler',
        'elementary schooler',
        'grade schooler',
        'primary schooler',
        'middle schooler',
        'high schooler',
        'highschooler',
        'junior high',
        'middle school girl',
        'middle school boy',
        'high school girl',
        'high school boy',
        'loli',
        'shota',
        '儿童',
        '小孩',
        '孩子',
        '幼女',
        '幼童',
        '幼儿',
        '婴儿',
        '女童',
        '男童',
        '小女孩',
        '小男孩',
        '小学',
        '初中',
        '中学生',
        '高中生',
        '国中生',
        '幼儿园',
        '未成年',
        '萝莉',
        '正太',
      ],
      patterns: [
        // Ages reach this form as `<n> year old` (see normalize-prompt.ts), whatever the spelling.
        String.raw`(?<![a-z0-9.])(?:1[0-7]|[1-9])\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*old|y\.?o\.?)(?![a-z0-9])`,
        String.raw`(?<![a-z0-9])aged?\s*(?:of\s*)?:?\s*(?:1[0-7]|[1-9])(?![a-z0-9])`,
        String.raw`(?<![a-z0-9])under\s*-?\s*(?:1[0-8])(?![0-9])`,
        // School grades 1 to 12, as `5th grader`, `fifth-grade`, `11th grade`.
        String.raw`grade(?<=(?<![a-z0-9])((?:(?:1[0-2]|[1-9])(?:st|nd|rd|th)?|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)\s*-?\s*grade))(?:rs?)?(?![a-z])`,
        // Starts at the rare 岁 and looks back for the number: a search that starts with a lookbehind is slow on CJK text.
        String.raw`岁(?<=(?<![\d一二三四五六七八九十两百])((?:1[0-7]|[1-9]|十[一二三四五六七]?|[一二三四五六七八九两])\s*周?岁))`,
        String.raw`年级(?<=((?:1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])\s*年级))`,
      ],
    },
    suggestive: {
      isBlocking: false,
      terms: [
        'sexy',
        'seductive',
        'seductively',
        'sensual',
        'sultry',
        'alluring',
        'provocative',
        'suggestive',
        'sexualised',
        'sexualized',
        'lingerie',
        'underwear',
        'panties',
        'thong',
        'g string',
        'negligee',
        'boudoir',
        'stripping',
        'spread legs',
        '性感',
        '内衣',
        '内裤',
        '情趣',
        '诱惑',
        '挑逗',
        '撩人',
        '丝袜',
        '妩媚',
        '风骚',
      ],
    },
    sexual: {
      terms: [
        'porn*',
        'pron',
        'nude',
        'nudes',
        'nudity',
        'naked',
        'nsfw',
        'hentai',
        { term: 'sex', compactMatch: true },
        'blow job',
        'hand job',
        'orgasm*',
        'masturbat*',
        'genitals',
        'penis',
        'vagina',
        'nipple*',
        'areola*',
        'erotic*',
        'lewd',
        'intercourse',
        'topless',
        'bottomless',
        'unclothed',
        'undressed',
        'undressing',
        'no clothes',
        'without clothes',
        'wearing nothing',
        'striptease',
        'cumshot',
        'creampie',
        'gangbang',
        'threesome',
        'deepthroat',
        'bukkake',
        'rape',
        'raped',
        'raping',
        'rapist',
        '色情',
        '裸体',
        '裸照',
        '全裸',
        '赤裸',
        '一丝不挂',
        '脱光',
        '不穿衣服',
        '没穿衣服',
        '性交',
        '做爱',
        '性爱',
        '口交',
        '自慰',
        '无码',
        '黄片',
        '乳头',
        '阴茎',
        '阴道',
        '淫秽',
        '强奸',
        '轮奸',
      ],
      patterns: [
        String.raw`(?<![a-z])(?:tak(?:e|es|ing)\s+off|remov(?:e|es|ing)|strip(?:s|ping)?\s+off)\s+(?:all\s+)?(?:of\s+)?(?:her|his|their|my|your)\s+clothes`,
      ],
    },
    violence_graphic: {
      terms: [
        'gore',
        'gory',
        'dismember*',
        'decapitat*',
        'behead*',
        'disembowel*',
        'eviscerat*',
        'mutilat*',
        'snuff film',
        'severed head*',
        'severed limb*',
        'skinned alive',
        'flayed alive',
        'burned alive',
        'entrails',
        'guts spilling',
        '血腥',
        '肢解',
        '斩首',
        '砍头',
        '碎尸',
        '分尸',
        '虐杀',
        '开膛',
        '血肉横飞',
        '剥皮',
      ],
    },
    self_harm: {
      terms: [
        'suicide note',
        'suicidal',
        'suicide attempt*',
        'attempted suicide',
        'suicide method*',
        'kill myself',
        'killing myself',
        'self harm*',
        'self injur*',
        'self inflicted',
        'cutting myself',
        'hang myself',
        'hanging myself',
        'unalive*',
        'end my life',
        'end my own life',
        'ending my life',
        'take my own life',
        'take my life',
        'want to die',
        'wanna die',
        'overdosing',
        '自杀',
        '自残',
        '割腕',
        '轻生',
        '不想活',
        '上吊',
        '自尽',
        '寻死',
        '结束自己的生命',
        '结束我的生命',
        '跳楼',
      ],
      patterns: [
        String.raw`(?<![a-z])commit(?:s|ted|ting)?\s+suicide`,
        String.raw`(?<![a-z])(?:slit|slits|slitting|cut|cuts|cutting)\s+(?:(?:my|her|his|their|own)\s+)*wrists?`,
        String.raw`(?<![a-z])(?:cut|cuts|cutting|hang|hangs|hanging|hanged|kill|kills|killing|starve|starving|drown|drowning)\s+(?:myself|herself|himself|themselves)`,
      ],
    },
    hate: {
      terms: [
        'nigger',
        'nigga',
        'faggot',
        'kike',
        'tranny',
        'heil hitler',
        'sieg heil',
        'white power',
        'white supremac*',
        'gas the jews',
        '支那',
        '黑鬼',
        '死基佬',
        '尼哥',
      ],
      patterns: [
        String.raw`(?<![a-z])(?:kill|gas|exterminate|death\s+to)\s+(?:all\s+)?(?:the\s+)?(?:jews|muslims|blacks|gays|christians|asians|arabs|immigrants|mexicans|chinese|whites|women)(?![a-z])`,
      ],
    },
    harassment: {
      terms: [
        'kill yourself',
        'kill urself',
        'kill yoself',
        'kill yaself',
        'kys',
        'neck yourself',
        'hope you die',
        'go die',
        'die in a fire',
        'drink bleach',
        'doxx*',
        'slut',
        'whore',
        'cunt',
        '去死',
        '死全家',
        '人肉搜索',
        '婊子',
        '贱人',
      ],
    },
    illegal: {
      terms: [
        'pipe bomb',
        'nail bomb',
        'pressure cooker bomb',
        'improvised explosive*',
        'ied',
        'ieds',
        'homemade explosive*',
        'homemade bomb*',
        'suicide vest*',
        'explosive vest*',
        'bomb vest*',
        'ghost gun',
        '3d printed gun*',
        '3d printed firearm*',
        'untraceable gun*',
        'meth recipe',
        'cook meth',
        'bomb making',
        '制毒',
        '制作炸弹',
        '炸弹制作',
        '自制炸弹',
        '自制炸药',
        '土制炸弹',
        '简易爆炸装置',
        '自制枪支',
        '买卖枪支',
        '冰毒配方',
      ],
      patterns: [
        String.raw`(?<![\p{L}\p{N}])how\s+(?:to|do\s+i|can\s+i)\s+(?:make|build|cook|synthesi[sz]e|manufacture)\s+(?:an?\s+|some\s+)?(?:pipe\s*|improvised\s+)?(?:bombs?|explosives?|explosive\s+devices?|ieds?|meth|methamphetamine|napalm|ricin|sarin|fentanyl|nerve\s+agents?|silencers?)(?![\p{L}\p{N}])`,
        String.raw`(?:如何|怎么|怎样)\s*(?:制作|制造|自制|合成|做)\s*(?:炸弹|炸药|冰毒|毒品|枪支?)`,
      ],
    },
  },
} satisfies ModerationRulesInput);
