import { describe, expect, it } from 'vitest';
import { checkLocalRules } from '#core/moderation/check-local-rules';
import { compileModerationRules } from '#core/moderation/compile-moderation-rules';
import {
  DEFAULT_MODERATION_RULES,
  mergeModerationRules,
  ModerationRulesSchema,
} from '#core/moderation/moderation-rules';

const defaults = compileModerationRules(DEFAULT_MODERATION_RULES);

/**
 * The defaults plus short words that are famous for false positives (`class`, `Scunthorpe`,
 * `cocktail`...), so that the innocent prompts below prove the word boundaries hold.
 */
const strict = compileModerationRules(
  mergeModerationRules(DEFAULT_MODERATION_RULES, {
    categories: { sexual: { terms: ['ass', 'cock', 'tit', 'cum', 'anal', 'dick', 'homo'] } },
  }),
);

describe('checkLocalRules: obfuscations of a blocked word', () => {
  it.each([
    ['plain', 'a nude woman on a beach'],
    ['capitals', 'a NUDE woman'],
    ['mixed case', 'a NuDe woman'],
    ['dots between letters', 'a n.u.d.e woman'],
    ['spaces between letters', 'a n u d e woman'],
    ['dashes between letters', 'a n-u-d-e woman'],
    ['slashes between letters', 'n/u/d/e'],
    ['emoji between letters', 'n🔥u🔥d🔥e'],
    ['leetspeak 3 for e', 'a nud3 woman'],
    ['zero-width space inside', 'a nu\u200Bde woman'],
    ['soft hyphen inside', 'a nu\u00ADde woman'],
    ['full-width letters', 'ａ ｎｕｄｅ ｗｏｍａｎ'],
    ['small capitals', 'ɴᴜᴅᴇ'],
    ['repeated letters', 'a nuuuuude woman'],
    ['repeated letters with dots', 'n.u.u.u.d.e'],
    ['Cyrillic e', 'a nud\u0435 woman'],
    ['combining strokes', 'n\u0337u\u0337d\u0337e\u0337'],
    ['mixed: full-width, zero-width, leet', 'ｎ\u200Bu\u200Bd3'],
    ['punctuation around it', '(nude)!'],
    ['next to Chinese', '一张nude照片'],
    ['as a hashtag', '#nude'],
    ['as a mention', '@nude_model'],
    ['after leet symbols that are not part of it', '$$$nude'],
    ['after a word starting with the same letters', 'snuff nude'],
  ])('blocks %s', (_case, prompt) => {
    expect(checkLocalRules(prompt, defaults)).toEqual({
      verdict: 'blocked',
      categories: ['sexual'],
      isSevere: false,
      matched: ['nude'],
    });
  });

  it.each([
    ['s3x', 'sex'],
    ['$ex', 'sex'],
    ['5ex', 'sex'],
    ['s.e.x', 'sex'],
    ['s e x', 'sex'],
    ['seeexxx', 'sex'],
    ['p0rn', 'porn*'],
    ['p.0.r.n', 'porn*'],
    ['P O R N O G R A P H Y', 'porn*'],
    ['h3nt@i', 'hentai'],
    ['n4k3d', 'naked'],
    ['NSFW', 'nsfw'],
  ])('reads %s as a sexual term (%s)', (prompt, term) => {
    expect(checkLocalRules(prompt, defaults)).toMatchObject({
      verdict: 'blocked',
      categories: ['sexual'],
      matched: [term],
    });
  });

  it.each([
    ['k1ll yourself', 'i written as 1'],
    ['ki11 yourself', 'l written as 1'],
    ['k!ll y0urs3lf', 'i written as !'],
    ['ki|| yourself', 'l written as |'],
    ['kill-yourself', 'joined by a dash'],
    ['killyourself', 'written as one word'],
  ])('reads %s as "kill yourself" (%s)', (prompt) => {
    expect(checkLocalRules(prompt, defaults)).toMatchObject({
      verdict: 'blocked',
      categories: ['harassment'],
      matched: expect.arrayContaining(['kill yourself']),
    });
  });

  it('does not read a number as a word: leet glyphs may not outnumber letters', () => {
    expect(checkLocalRules('a camera with 53x optical zoom', defaults)).toEqual({ verdict: 'allowed' });
    expect(checkLocalRules('s3x', defaults).verdict).toBe('blocked');
  });
});

describe('checkLocalRules: compact matching depends on term length', () => {
  it('matches a term of 4+ letters hidden by separators, but not a 3-letter term unless it opts in', () => {
    const rules = compileModerationRules(
      ModerationRulesSchema.parse({
        categories: { harassment: { terms: ['kys', 'doxx', { term: 'kms', compactMatch: true }] } },
      }),
    );
    expect(checkLocalRules('k.y.s', rules)).toEqual({ verdict: 'allowed' });
    expect(checkLocalRules('k y s', rules)).toEqual({ verdict: 'allowed' });
    expect(checkLocalRules('kys', rules).verdict).toBe('blocked');
    expect(checkLocalRules('d.o.x.x', rules)).toMatchObject({ verdict: 'blocked', matched: ['doxx'] });
    expect(checkLocalRules('k.m.s', rules)).toMatchObject({ verdict: 'blocked', matched: ['kms'] });
  });

  it('lets a long term opt out of compact matching', () => {
    const rules = compileModerationRules(
      ModerationRulesSchema.parse({ categories: { sexual: { terms: [{ term: 'nude', compactMatch: false }] } } }),
    );
    expect(checkLocalRules('n.u.d.e', rules)).toEqual({ verdict: 'allowed' });
    expect(checkLocalRules('nude', rules).verdict).toBe('blocked');
  });

  it('follows compactMinLength', () => {
    const rules = compileModerationRules(
      ModerationRulesSchema.parse({ compactMinLength: 3, categories: { harassment: { terms: ['kys'] } } }),
    );
    expect(checkLocalRules('k.y.s', rules)).toMatchObject({ verdict: 'blocked', matched: ['kys'] });
  });
});

describe('checkLocalRules: other alphabets', () => {
  it('matches operator terms written in other alphabets, as whole words', () => {
    const rules = compileModerationRules(
      ModerationRulesSchema.parse({ categories: { sexual: { terms: ['порно', 'Scheiße'] } } }),
    );
    expect(checkLocalRules('смотреть ПОРНО онлайн', rules)).toMatchObject({ verdict: 'blocked', matched: ['порно'] });
    expect(checkLocalRules('so eine scheiße', rules)).toMatchObject({ verdict: 'blocked', matched: ['Scheiße'] });
    expect(checkLocalRules('порнография', rules)).toEqual({ verdict: 'allowed' });
  });
});

describe('checkLocalRules: Chinese', () => {
  it.each([
    ['色情图片', '色情', 'sexual'],
    ['色 情 图片', '色情', 'sexual'],
    ['色·情', '色情', 'sexual'],
    ['色，情', '色情', 'sexual'],
    ['色_情', '色情', 'sexual'],
    ['色\u200B情', '色情', 'sexual'],
    ['一个裸　体的人', '裸体', 'sexual'],
    ['血腥的场面', '血腥', 'violence_graphic'],
    ['我想自 杀', '自杀', 'self_harm'],
    ['你去死吧', '去死', 'harassment'],
    ['教我制 作 炸 弹', '制作炸弹', 'illegal'],
    ['如何制作炸药', '如何制作炸药', 'illegal'],
    ['黑鬼', '黑鬼', 'hate'],
  ])('blocks %s', (prompt, term, category) => {
    expect(checkLocalRules(prompt, defaults)).toEqual({
      verdict: 'blocked',
      categories: [category],
      isSevere: false,
      matched: [term],
    });
  });

  it.each([
    ['个性交友平台的海报', 'exception 性交友 covers 性交'],
    ['两性交往讲座', 'exception 性交往 covers 性交'],
    ['一杯血腥玛丽鸡尾酒', 'exception 血腥玛丽 covers 血腥'],
    ['印度支那的老地图', 'exception 印度支那 covers 支那'],
    ['自杀小队电影海报', 'exception 自杀小队 covers 自杀'],
    ['裸妆效果的模特', 'no term for nude make-up'],
    ['一位二十岁的女孩，性感连衣裙', '二十岁 is an adult'],
    ['城市夜景，霓虹灯，赛博朋克风格', 'ordinary prompt'],
  ])('allows %s (%s)', (prompt) => {
    expect(checkLocalRules(prompt, defaults)).toEqual({ verdict: 'allowed' });
  });

  it('still blocks a term outside an exception in the same prompt', () => {
    expect(checkLocalRules('个性交友，性交', defaults)).toMatchObject({ verdict: 'blocked', matched: ['性交'] });
  });
});

describe('checkLocalRules: minors', () => {
  it.each([
    ['a nude child', ['sexual_minors', 'sexual'], ['child', 'nude']],
    ['naked kids', ['sexual_minors', 'sexual'], ['kids', 'naked']],
    ['sexy teen in lingerie', ['sexual_minors'], ['teen', 'sexy', 'lingerie']],
    ['a schoolgirl, s3x', ['sexual_minors', 'sexual'], ['schoolgirl', 'sex']],
    ['pre-teen girl, seductive pose', ['sexual_minors'], ['teen', 'preteen', 'seductive']],
    ['a 12 year old in lingerie', ['sexual_minors'], ['12 year old', 'lingerie']],
    ['a 12-year-old, nude', ['sexual_minors', 'sexual'], ['12 year old', 'nude']],
    ['15yo nsfw', ['sexual_minors', 'sexual'], ['15 year old', 'nsfw']],
    ['aged 9, naked', ['sexual_minors', 'sexual'], ['aged 9', 'naked']],
    ['child porn', ['sexual_minors', 'sexual'], ['child porn*', 'child', 'porn*']],
    ['ch1ldp0rn', ['sexual_minors'], ['child porn*']],
    ['lolicon art', ['sexual_minors'], ['lolicon']],
    ['儿童 裸体', ['sexual_minors', 'sexual'], ['儿童', '裸体']],
    ['一个12岁的女孩，性感', ['sexual_minors'], ['12岁', '性感']],
    ['十七岁 性感', ['sexual_minors'], ['十七岁', '性感']],
    ['萝莉 色情', ['sexual_minors', 'sexual'], ['萝莉', '色情']],
    ['儿 童 色 情', ['sexual_minors', 'sexual'], ['儿童色情', '儿童', '色情']],
  ])('blocks %s as severe', (prompt, categories, matched) => {
    expect(checkLocalRules(prompt, defaults)).toEqual({ verdict: 'blocked', categories, isSevere: true, matched });
  });

  it.each([
    'a child playing in the park',
    'sexy red sports car',
    'a 12 year old whisky in a glass',
    'a nude woman, 30 years old',
    'sex education poster for children',
    'a kid watching the stars with the naked eye',
    'toddler with nude lipstick smudged on her face',
  ])('does not treat %s as sexual content with a minor', (prompt) => {
    const result = checkLocalRules(prompt, defaults);
    expect(result.verdict === 'blocked' && result.categories.includes('sexual_minors')).toBe(false);
  });
});

describe('checkLocalRules: categories and results', () => {
  it.each([
    ['blood and gore everywhere', 'violence_graphic', 'gore'],
    ['a decapitated statue', 'violence_graphic', 'decapitat*'],
    ['how to make a bomb at home', 'illegal', 'how to make a bomb'],
    ['a pipe bomb diagram', 'illegal', 'pipe bomb'],
    ['writing a suicide note', 'self_harm', 'suicide note'],
    ['self-harming teenager', 'self_harm', 'self harm*'],
    ['go doxxing him', 'harassment', 'doxx*'],
    ['sieg heil banner', 'hate', 'sieg heil'],
  ])('blocks %s as %s', (prompt, category, term) => {
    expect(checkLocalRules(prompt, defaults)).toMatchObject({
      verdict: 'blocked',
      categories: [category],
      isSevere: false,
      matched: [term],
    });
  });

  it('lists every category that matched, in the order of the rules, with each match once', () => {
    expect(checkLocalRules('gore and nude, nude again, then kill yourself', defaults)).toEqual({
      verdict: 'blocked',
      categories: ['sexual', 'violence_graphic', 'harassment'],
      isSevere: false,
      matched: ['nude', 'gore', 'kill yourself'],
    });
  });

  it('never blocks on a non-blocking category alone', () => {
    expect(checkLocalRules('children and teenagers at school, a 10 year old', defaults)).toEqual({
      verdict: 'allowed',
    });
    expect(checkLocalRules('sexy seductive lingerie', defaults)).toEqual({ verdict: 'allowed' });
  });

  it('allows an empty prompt', () => {
    expect(checkLocalRules('', defaults)).toEqual({ verdict: 'allowed' });
    expect(checkLocalRules(' \u200B ', defaults)).toEqual({ verdict: 'allowed' });
  });
});

describe('checkLocalRules: innocent prompts stay allowed', () => {
  // Each is allowed by the defaults plus `ass`, `cock`, `tit`, `cum`, `anal`, `dick`, `homo`.
  // `sexy` alone is allowed on purpose: fashion, cars, pin-up styles; it only counts next to an age.
  it.each([
    'a fox in the snow',
    'a fox as white as snow',
    'class photo of a cocktail party',
    'Scunthorpe town hall at night',
    "assassin's creed style armor",
    'an assistant at a glass desk',
    'passing the bass guitar',
    'a therapist office with plants',
    'Essex countryside, Middlesex sunset',
    'grape harvest in Tuscany',
    'rapeseed field in spring, rape seed oil bottle',
    'a sextant on an old ship',
    'cumulus clouds over the sea',
    'analysis chart of quarterly sales',
    'the Titanic at sea, titmouse on a branch',
    'Dickens novel illustration',
    'a cocky rooster, hitchcock style',
    'homogeneous texture, a homeowner',
    'sexy red sports car',
    'nude lipstick product shot, nude color heels',
    'the moon seen with the naked eye',
    'Gore-Tex hiking jacket, portrait of Al Gore',
    'sex education poster for a school',
    'Penistone market square',
    'a glass of 12 year old whisky',
    '4k 3d render of a castle, 1080p, f/1.8',
    'a camera with 53x optical zoom',
    'teenage mutant ninja turtles poster',
    'children flying kites in a park',
    'skill tree for a fantasy game',
    'kidnapping scene from a detective novel cover',
  ])('allows %s', (prompt) => {
    expect(checkLocalRules(prompt, strict)).toEqual({ verdict: 'allowed' });
  });

  it('treats letters outside ASCII as part of a word too', () => {
    expect(checkLocalRules('łnude and nudeł, ßgore', defaults)).toEqual({ verdict: 'allowed' });
  });

  it('still blocks the short words themselves', () => {
    expect(checkLocalRules('a big ass', strict)).toMatchObject({ verdict: 'blocked', matched: ['ass'] });
    expect(checkLocalRules('c0ck', strict)).toMatchObject({ verdict: 'blocked', matched: ['cock'] });
    expect(checkLocalRules('@ss', strict)).toMatchObject({ verdict: 'blocked', matched: ['ass'] });
  });
});

describe('checkLocalRules: every default term is reachable', () => {
  const blockingTerms: Array<[string, string]> = [];
  const signalTerms: Array<[string, string]> = [];
  for (const [name, category] of Object.entries(DEFAULT_MODERATION_RULES.categories)) {
    for (const term of category.terms) {
      const text = (typeof term === 'string' ? term : term.term).replace('*', '');
      (category.isBlocking ? blockingTerms : signalTerms).push([text, name]);
    }
  }
  const leet: Record<string, string> = { a: '4', e: '3', o: '0', s: '5', t: '7', i: '1', l: '1' };
  const toLeet = (text: string): string => text.replace(/[aeostil]/, (letter) => leet[letter] ?? letter);
  const spaceOut = (text: string): string => [...text].join(' ');

  it.each(blockingTerms)('blocks %s as written (%s)', (text, category) => {
    const result = checkLocalRules(text, defaults);
    expect(result.verdict === 'blocked' && result.categories.includes(category)).toBe(true);
  });

  it.each(blockingTerms.filter(([text]) => /[a-z]/.test(text)))(
    'blocks %s with one letter in leetspeak (%s)',
    (text, category) => {
      const result = checkLocalRules(toLeet(text), defaults);
      expect(result.verdict === 'blocked' && result.categories.includes(category)).toBe(true);
    },
  );

  it.each(blockingTerms.filter(([text]) => !/[a-z]/.test(text) || (!text.includes(' ') && text.length >= 4)))(
    'blocks %s with spaces between its characters (%s)',
    (text, category) => {
      const result = checkLocalRules(spaceOut(text), defaults);
      expect(result.verdict === 'blocked' && result.categories.includes(category)).toBe(true);
    },
  );

  it.each(signalTerms)('counts %s (%s) in a combination', (text, category) => {
    const partner = category === 'minor_age' ? 'nude' : 'child';
    const result = checkLocalRules(`${text} ${partner}`, defaults);
    expect(result.verdict === 'blocked' && result.categories.includes('sexual_minors')).toBe(true);
  });
});

describe('checkLocalRules: the classes the first rules missed', () => {
  it.each([
    ['戀童', 'sexual_minors'],
    ['強姦', 'sexual'],
    ['裸體', 'sexual'],
    ['自殺', 'self_harm'],
    ['斬首', 'violence_graphic'],
    ['an eleven-year-old, nude', 'sexual_minors'],
    ['age twelve, naked', 'sexual_minors'],
    ['17 y/o in lingerie', 'sexual_minors'],
    ['12yrs, sexy', 'sexual_minors'],
    ['young girl in lingerie', 'sexual_minors'],
    ['middle schooler in lingerie', 'sexual_minors'],
    ['fifth grader in lingerie', 'sexual_minors'],
    ['一個十二歲的女孩，性感', 'sexual_minors'],
    ['五年级女生 内衣', 'sexual_minors'],
    ['topless', 'sexual'],
    ['unclothed', 'sexual'],
    ['pr0n', 'sexual'],
    ['p*rn', 'sexual'],
    ['n*ked', 'sexual'],
    ['kill urself', 'harassment'],
    ['kill your self', 'harassment'],
    ['improvised explosive device', 'illegal'],
  ])('blocks %s as %s', (prompt, category) => {
    const result = checkLocalRules(prompt, defaults);
    expect(result).toMatchObject({ verdict: 'blocked', isSevere: category === 'sexual_minors' });
    expect(result.verdict === 'blocked' && result.categories.includes(category)).toBe(true);
  });

  it.each([
    "a 12-year-old's birthday party",
    'breast cancer awareness poster',
    'shoot a photo of the sunset',
    'a kid in a swimsuit at the beach',
    'a topless convertible on a coastal road',
    'twelve roses in a vase',
    'a twenty-one year old woman in lingerie',
    '十二歲男孩踢足球',
    'a*b testing dashboard',
  ])('allows %s', (prompt) => {
    expect(checkLocalRules(prompt, defaults)).toEqual({ verdict: 'allowed' });
  });
});
