import { describe, expect, it } from 'vitest';
import { buildSkeleton, normalizeForMatching } from '#core/moderation/normalize-prompt';

describe('normalizeForMatching', () => {
  it.each([
    ['case', 'NuDe WoMaN', 'nude woman'],
    ['full-width letters and ideographic space', 'ｎｕｄｅ　ｗｏｍａｎ', 'nude woman'],
    ['mathematical bold letters', '𝐧𝐮𝐝𝐞', 'nude'],
    ['circled letters', 'ⓝⓤⓓⓔ', 'nude'],
    ['small capitals', 'ɴᴜᴅᴇ', 'nude'],
    ['zero-width space', 'nu\u200Bde', 'nude'],
    ['zero-width joiner and non-joiner', 'n\u200Du\u200Cde', 'nude'],
    ['word joiner and BOM', 'nu\u2060d\uFEFFe', 'nude'],
    ['soft hyphen', 'nu\u00ADde', 'nude'],
    ['bidi override', 'nu\u202Ede', 'nude'],
    ['accents', 'Crème Brûlée, naïve café', 'creme brulee, naive cafe'],
    ['combining stacks', 'n\u0337u\u0337d\u0337e\u0337', 'nude'],
    ['dotted capital I', 'İNDIA', 'india'],
    ['Cyrillic look-alike inside a Latin word', 'nud\u0435', 'nude'],
    ['word made only of look-alikes', '\u0455\u0435\u0445', 'sex'],
    ['a genuine Russian word stays', 'привет мир', 'привет мир'],
    ['tabs, newlines and repeated spaces', '  a\tred \n\n fox   ', 'a red fox'],
    ['Chinese stays intact', '一只红狐狸，在雪地里', '一只红狐狸,在雪地里'],
    ['leetspeak is left to the matcher', 's3x p0rn 4k', 's3x p0rn 4k'],
  ])('folds %s', (_case, input, folded) => {
    expect(normalizeForMatching(input).folded).toBe(folded);
  });

  it.each([
    ['dots between letters', 'n.u.d.e', 'nude'],
    ['spaces between single letters', 'n u d e photo', 'nude photo'],
    ['dashes between letters', 'n-u-d-e', 'nude'],
    ['underscores between letters', 'n_u_d_e', 'nude'],
    ['spaced dots', 'n . u . d . e', 'nude'],
    ['trailing dots', 'n. u. d. e.', 'nude.'],
    ['emoji between letters', 'n🔥u🔥d🔥e', 'nude'],
    ['punctuation inside a word', 'nu.de self-harm', 'nude selfharm'],
    ['three single characters', 's e x', 'sex'],
    ['leet symbols are letters, not separators', 'a $ $', 'a$$'],
    ['CJK separated by spaces', '色 情 图片', '色情图片'],
    ['CJK separated by punctuation', '色·情，图。片', '色情图片'],
    ['CJK separated by an underscore', '自_杀', '自杀'],
  ])('compacts %s', (_case, input, compact) => {
    expect(normalizeForMatching(input).compact).toBe(compact);
  });

  it.each([
    ['ordinary words', 'a fox in the snow at dawn'],
    ['two single letters', 'plan b a go'],
    ['a word and a single letter', 'the rapist and a therapist'],
    ['Latin next to CJK', '一只 fox 在雪地里'],
  ])('leaves %s apart in the compact form', (_case, input) => {
    expect(normalizeForMatching(input).compact).toBe(normalizeForMatching(input).folded);
  });

  it('reports each spelled-out run, which may have swallowed a neighbouring "a"', () => {
    expect(normalizeForMatching('a n u d e woman, s.e.x and more')).toEqual({
      folded: 'a n u d e woman, s.e.x and more',
      compact: 'anude woman, sex and more',
      spelled: ['anude', 'sex'],
      unmasked: [],
    });
    expect(normalizeForMatching('a fox, a b').spelled).toEqual([]);
  });

  it('returns the folded string itself as compact when nothing is hidden, so callers can skip it', () => {
    const { folded, compact } = normalizeForMatching('A red fox in the snow');
    expect(compact).toBe(folded);
  });
});

describe('buildSkeleton', () => {
  it('reads every leet glyph as one letter, merges l into i and collapses runs, keeping positions', () => {
    const skeleton = buildSkeleton('k1ll 5ex, nuuude');
    expect(skeleton.text).toBe(' ki sex  nude');
    expect([...skeleton.positions]).toEqual([0, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15]);
  });

  it('writes letters spelled with symbols as capitals, so a search can tell them from punctuation', () => {
    expect(buildSkeleton('@$$ h€ll!, $sex').text).toBe(' AS hEi  Sex');
  });

  it('keeps CJK characters and their runs as written', () => {
    expect(buildSkeleton('妈妈 色情').text).toBe(' 妈妈 色情');
  });
});

describe('normalizeForMatching: one spelling per class', () => {
  it.each([
    ['Traditional Chinese (Taiwan)', '戀童 強姦 裸體 自殺 斬首', '恋童 强奸 裸体 自杀 斩首'],
    ['Traditional Chinese ages', '十二歲的女孩', '十二岁的女孩'],
    ['Simplified Chinese stays', '一只红狐狸', '一只红狐狸'],
    ['number words', 'eleven roses and twenty-one candles', '11 roses and 21 candles'],
    ['number words inside other words stay', 'someone often tonight', 'someone often tonight'],
    ['spelled-out age', 'an eleven-year-old', 'an 11 year old'],
    ['age after "age"', 'age twelve', 'age 12'],
    ['y/o', '17 y/o', '17 year old'],
    ['yrs', '12yrs', '12 year old'],
    ['yo', '9yo girl', '9 year old girl'],
    ['y.o.', '9 y.o. girl', '9 year old girl'],
    ['years-old', '13 years-old', '13 year old'],
    ['years alone is not an age', '12 years of marriage', '12 years of marriage'],
    ['a split reflexive pronoun', 'kill ur self', 'kill urself'],
  ])('folds %s', (_case, input, folded) => {
    expect(normalizeForMatching(input).folded).toBe(folded);
  });

  it('reads letters masked with * as each vowel', () => {
    expect(normalizeForMatching('p*rn star').unmasked).toEqual([
      'parn star',
      'pern star',
      'pirn star',
      'porn star',
      'purn star',
    ]);
    expect(normalizeForMatching('*bold* text, 2*3').unmasked).toEqual([]);
  });
});
