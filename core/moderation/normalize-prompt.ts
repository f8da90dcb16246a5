/**
 * Text forms a prompt is matched in by the local moderation stage. All forms are for matching
 * only; they are never shown to anyone or sent to a provider. This runs on every prompt before
 * credits are reserved, so the per-character work is plain loops rather than Unicode-property
 * regular expressions, which cost ten times more on CJK text.
 *
 * Leetspeak is deliberately not rewritten in `folded` or `compact`: a digit or symbol can stand
 * for more than one letter (`1` is `i` or `l`), and rewriting the text would also damage real
 * numbers that patterns need (`15yo`, `4k`, `1080p`). The compiled rules accept every reading
 * instead, and the skeleton (a prefilter) merges the readings.
 *
 * A few rewrites make one spelling of a class out of many, so that rules name it once:
 * Traditional Chinese is folded to Simplified (`戀童` is `恋童`), number words become digits
 * (`eleven` is `11`, `twenty-one` is `21`), an age written after a number becomes `year old`
 * (`17 y/o`, `12yrs`, `13-year-old`, `9yo` all read `<n> year old`), and a reflexive pronoun
 * written in two words is joined (`your self`, `ur self`).
 */
import { createRequire } from 'node:module';
import type { ConverterFunction } from 'opencc-js/core';

/** The two forms of a prompt that terms are matched against. */
export type NormalizedPrompt = {
  /**
   * NFKC, lower-case, invisible characters removed, accents removed from Latin letters, Cyrillic
   * and Greek look-alikes inside Latin words turned into Latin letters, Traditional Chinese
   * folded to Simplified, number words written as digits, ages after a number written
   * `<n> year old`, `your self` joined, whitespace collapsed to one space. Word boundaries are intact, so whole-word
   * matching is safe on this form.
   */
  folded: string;
  /**
   * `folded` with obfuscating separators removed: punctuation between two letters (`n.u.d.e`,
   * `nu-de`), the gaps in a run of three or more single characters (`n u d e`, `s . e . x`), and
   * any spacing or punctuation between two CJK characters (`色 情`, `色·情`). Ordinary words
   * stay apart, so `the rapist` and `therapist` remain different here too.
   */
  compact: string;
  /**
   * Each run of three or more single characters, joined (`a n u d e` gives `anude`). A term may
   * start anywhere inside one, because a spelled-out run swallows a neighbouring `a` or `i`.
   */
  spelled: string[];
  /**
   * When letters are masked with `*` inside a word (`p*rn`, `n**ed`, `k*ll`): `folded` once per
   * vowel, each masked run read as that vowel (`porn`, `naaed`...). Empty when nothing is masked.
   */
  unmasked: string[];
};

/**
 * A form reduced for fast candidate search: every leet glyph replaced by one letter it may stand
 * for, `l` merged into `i` (both are written `1` or `|`), runs of one Latin letter collapsed,
 * spacing and punctuation turned into spaces, and a space in front so that every word has a
 * character before it. A letter written with a symbol (`@`, `$`, `!`, `|`,
 * `+`, `€`) becomes a capital, so a search can still tell the `@` of `@ss` (a letter) from the
 * one of `@nude` (not part of the word). `positions[i]` is the index in the form where skeleton
 * character `i` starts.
 */
export type Skeleton = { text: string; positions: Int32Array };

/**
 * The code points treated as CJK (Han, kana and marks used with them): terms in these scripts
 * match as substrings, with no word boundaries. Kept equal to {@link isCjkCodePoint}.
 */
export const CJK_CHAR = String.raw`[\u3005-\u3007\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{323AF}]`;

const KIND_SPACE = 0;
const KIND_SEPARATOR = 1;
const KIND_WORD = 2;
const KIND_LEET = 3;
const KIND_CJK = 4;
type CharacterKind = typeof KIND_SPACE | typeof KIND_SEPARATOR | typeof KIND_WORD | typeof KIND_LEET | typeof KIND_CJK;

const ASCII_ONLY = /^[\x00-\x7F]*$/;
const IRREGULAR_WHITESPACE = /[^\S ]|[\x00-\x1F\x7F-\x9F]| {2}|^ | $/;
const WHITESPACE_RUN = /[\s\x00-\x1F\x7F-\x9F]+/g;
/**
 * Anything the cheap NFKC + lower-case path leaves to repair: Latin letters with accents,
 * combining marks, Default_Ignorable code points (zero-width, soft hyphen, bidi controls,
 * variation selectors, Hangul fillers, tags), stray Latin letters and Greek/Cyrillic look-alikes.
 * Explicit ranges, because a `\p{...}` search costs ten times more on CJK text.
 */
const NEEDS_REPAIR =
  /[\u00AD\u00C0-\u024F\u0250-\u052F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u1AB0-\u1AFF\u1D00-\u1D7F\u1DC0-\u1EFF\u200B-\u200F\u202A-\u202E\u2060-\u206F\u20D0-\u20FF\u3164\uA730\uA731\uFE00-\uFE0F\uFE20-\uFE2F\uFEFF\uFFA0\uFFF0-\uFFF8\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0000}-\u{E0FFF}]/u;
const INVISIBLE =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0000}-\u{E0FFF}]/gu;
const ACCENTED_LATIN = /[\u00C0-\u024F\u1E00-\u1EFF\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]/;
/** Combining marks used on Latin (and Greek, Cyrillic) letters: accents and "zalgo" stacks. */
const COMBINING_MARKS = /[\u0300-\u036F\u0483-\u0489\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]+/g;
const OTHER_LATIN = /[ıɑɡɢɪʀʏʙʜʟɴᴀᴄᴅᴇᴊᴋᴍᴏᴘᴛᴜᴠᴡᴢꜰꜱ]/g;
const GREEK_OR_CYRILLIC = /[\u0370-\u052F]/;
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
const LATIN_LETTER = /[a-z]/;
const LETTER_DIGIT_OR_MARK = /[\p{L}\p{N}\p{M}]/u;

/** Cyrillic and Greek letters that look like Latin ones, as used to dodge Latin word lists. */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map([
  ['а', 'a'],
  ['в', 'b'],
  ['е', 'e'],
  ['ё', 'e'],
  ['к', 'k'],
  ['м', 'm'],
  ['н', 'h'],
  ['о', 'o'],
  ['р', 'p'],
  ['с', 'c'],
  ['т', 't'],
  ['у', 'y'],
  ['х', 'x'],
  ['ѕ', 's'],
  ['і', 'i'],
  ['ї', 'i'],
  ['ј', 'j'],
  ['ԁ', 'd'],
  ['ԛ', 'q'],
  ['ԝ', 'w'],
  ['һ', 'h'],
  ['α', 'a'],
  ['β', 'b'],
  ['ε', 'e'],
  ['ι', 'i'],
  ['κ', 'k'],
  ['ν', 'v'],
  ['ο', 'o'],
  ['ρ', 'p'],
  ['τ', 't'],
  ['υ', 'u'],
  ['χ', 'x'],
]);
/** Latin letters NFKC leaves alone: dotless i, IPA forms and the "small caps" used to dodge filters. */
const OTHER_LATIN_LETTERS: ReadonlyMap<string, string> = new Map(
  [...'ıɑɡɢɪʀʏʙʜʟɴᴀᴄᴅᴇᴊᴋᴍᴏᴘᴛᴜᴠᴡᴢꜰꜱ'].map((letter, index) => [letter, 'iaggiryblhnacdejkmoptuvwzfs'[index] ?? letter]),
);

/**
 * Digits and symbols that leetspeak writes for a letter. The compiled rules accept any of them
 * where a term has the letter, so an ambiguous glyph (`1` as `i` or `l`) matches every reading;
 * the skeleton maps each glyph to one letter, with `l` merged into `i` so that both readings of
 * `1` and `|` meet.
 */
export const LEET_GLYPHS: Readonly<Record<string, string>> = {
  a: '4@',
  b: '8',
  e: '3€',
  g: '9',
  i: '1!|',
  l: '1|',
  o: '0',
  s: '5$',
  t: '7+',
};

/** For each ASCII code: its kind, and its skeleton letter (0: the character itself). */
const ASCII_KINDS = new Uint8Array(128);
const ASCII_SKELETON = new Uint16Array(128);
for (let code = 0; code < 128; code += 1) {
  const character = String.fromCharCode(code);
  if (code === 0x20) ASCII_KINDS[code] = KIND_SPACE;
  else if (/[a-z0-9]/.test(character)) ASCII_KINDS[code] = KIND_WORD;
  else if (Object.values(LEET_GLYPHS).some((glyphs) => glyphs.includes(character))) ASCII_KINDS[code] = KIND_LEET;
  else ASCII_KINDS[code] = KIND_SEPARATOR;
}
for (const [letter, glyphs] of Object.entries(LEET_GLYPHS)) {
  const skeletonLetter = letter === 'l' ? 'i' : letter;
  for (const glyph of letter + glyphs) {
    const isSymbol = !/[a-z0-9]/.test(glyph);
    if (glyph.charCodeAt(0) < 128)
      ASCII_SKELETON[glyph.charCodeAt(0)] = (isSymbol ? skeletonLetter.toUpperCase() : skeletonLetter).charCodeAt(0);
  }
}
const EURO = 0x20ac;
const CAPITAL_E = 0x45;
const LOWER_CASE_BIT = 0x20;
const UTF16 = new TextDecoder('utf-16le');
const SKELETON_GAP = 0x20;

/**
 * Builds the folded and compact forms of a prompt (see {@link NormalizedPrompt}). When nothing in
 * the prompt is obfuscated, `compact` is the same string as `folded`, so callers can skip it.
 */
export function normalizeForMatching(text: string): NormalizedPrompt {
  const folded = foldForMatching(text);
  return { folded, ...compactFolded(folded), unmasked: unmaskFolded(folded) };
}

/**
 * The `folded` form alone; also used on the terms of the rules, so that a term written with
 * capitals, accents, full-width letters or Traditional characters matches the same way as a
 * prompt written so.
 */
export function foldForMatching(text: string): string {
  let folded: string;
  if (ASCII_ONLY.test(text)) {
    folded = text.toLowerCase();
  } else {
    folded = text.normalize('NFKC').toLowerCase();
    if (NEEDS_REPAIR.test(folded)) folded = repairFolded(folded);
    if (HAN.test(folded)) folded = foldTraditionalChinese(folded);
  }
  if (IRREGULAR_WHITESPACE.test(folded)) folded = folded.replace(WHITESPACE_RUN, ' ').trim();
  if (NUMBER_HINT.test(folded)) folded = rewriteNumbers(folded);
  return SPLIT_REFLEXIVE_HINT.test(folded) ? folded.replace(SPLIT_REFLEXIVE, '$1$2') : folded;
}

const SPLIT_REFLEXIVE_HINT = / sel(?:f|ves)/;
/** `your self`, `ur self`, `my self`: a reflexive pronoun written in two words is one word here. */
const SPLIT_REFLEXIVE = /(?<![\p{L}\p{N}])(my|your|ur|yo|ya|her|him|it|our|them|thy)\s+(self|selves)(?![\p{L}\p{N}])/gu;

const HAN = /[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{323AF}]/u;
const requireModule = createRequire(import.meta.url);
let traditionalToSimplified: ConverterFunction | undefined;

/**
 * Folds Traditional Chinese (Taiwan and Hong Kong variants) to Simplified with OpenCC's
 * dictionaries, in one converter (variants to standard Traditional, then to Simplified).
 * Building it takes ~0.2 s and a few MB, so it happens on the first text with Han characters
 * (the rules' own terms, at start-up), once per process; Simplified text passes through unchanged.
 * @see https://github.com/nk2028/opencc-js
 */
function foldTraditionalChinese(text: string): string {
  if (traditionalToSimplified === undefined) {
    const { ConverterFactory, Locale } = requireModule('opencc-js/t2cn') as typeof import('opencc-js/t2cn');
    const variants = [...(Locale.from['hk']?.[0] ?? []), ...(Locale.from['tw']?.[0] ?? [])];
    const convert = ConverterFactory([variants], ...(Locale.to['cn'] ?? []));
    traditionalToSimplified = convert;
    return convert(text);
  }
  return traditionalToSimplified(text);
}

const UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const NUMBER_VALUES: ReadonlyMap<string, number> = new Map([
  ...UNITS.map((word, index): [string, number] => [word, index]),
  ...TEENS.map((word, index): [string, number] => [word, 10 + index]),
  ...TENS.map((word, index): [string, number] => [word, 20 + index * 10]),
]);
/** A cheap test for anything {@link rewriteNumbers} might change. */
const NUMBER_HINT =
  /(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|teen|ty)(?![a-z])|\d\s*-?\s*y/;
const NUMBER_WORD = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:(${TENS.join('|')})(?:[\s-]?(${UNITS.slice(1).join('|')}))?|(${[...TEENS, ...UNITS].join('|')}))(?![\p{L}\p{N}])`,
  'gu',
);
/** A number followed by a way of writing "years old": `y/o`, `y.o.`, `yo`, `yr`, `yrs`, `years old`, with or without spaces and dashes. */
const AGE_AFTER_NUMBER =
  /(?<![\p{L}\p{N}.])(\d{1,3})\s*-?\s*(?:y\s*\/\s*o|y\.\s*o\.?|yo|yrs?\.?(?:\s*-?\s*olds?)?|years?\s*-?\s*olds?)(?![\p{L}\p{N}])/gu;

/** Number words to digits (`twenty-one` to `21`), then every way of writing an age after a number to `<n> year old`. */
function rewriteNumbers(folded: string): string {
  const withDigits = folded.replace(
    NUMBER_WORD,
    (_match, tens: string | undefined, unit: string | undefined, single: string | undefined) =>
      String((NUMBER_VALUES.get(tens ?? single ?? '') ?? 0) + (NUMBER_VALUES.get(unit ?? '') ?? 0)),
  );
  return withDigits.replace(AGE_AFTER_NUMBER, '$1 year old');
}

const MASKED = /(?<=[a-z])\*{1,3}(?=[a-z])/g;
const MASKED_HINT = /[a-z]\*/;

/** See `NormalizedPrompt.unmasked`. */
function unmaskFolded(folded: string): string[] {
  if (!MASKED_HINT.test(folded)) return [];
  MASKED.lastIndex = 0;
  if (!MASKED.test(folded)) return [];
  return [...'aeiou'].map((vowel) => folded.replace(MASKED, (mask) => vowel.repeat(mask.length)));
}

function repairFolded(normalized: string): string {
  let folded = normalized.replace(INVISIBLE, '');
  if (ACCENTED_LATIN.test(folded)) folded = folded.normalize('NFD').replace(COMBINING_MARKS, '').normalize('NFC');
  folded = folded.replace(OTHER_LATIN, (letter) => OTHER_LATIN_LETTERS.get(letter) ?? letter);
  return GREEK_OR_CYRILLIC.test(folded) ? folded.replace(TOKEN, replaceLookAlikes) : folded;
}

/** Whether a code point is one of {@link CJK_CHAR}. */
export function isCjkCodePoint(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3005 && code <= 0x3007) ||
    (code >= 0x31f0 && code <= 0x31ff) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x20000 && code <= 0x323af)
  );
}

/** Builds the {@link Skeleton} of a folded or compact form (or of a folded term). */
export function buildSkeleton(form: string): Skeleton {
  const codes = new Uint16Array(form.length + 1);
  const positions = new Int32Array(form.length + 1);
  codes[0] = SKELETON_GAP;
  let length = 1;
  let previous = -1;
  for (let index = 0; index < form.length; index += 1) {
    const code = form.charCodeAt(index);
    let letter = code;
    if (code < 128) {
      letter =
        ASCII_KINDS[code] === KIND_SPACE || ASCII_KINDS[code] === KIND_SEPARATOR
          ? SKELETON_GAP
          : ASCII_SKELETON[code] || code;
    } else if (code === EURO) {
      letter = CAPITAL_E;
    }
    // A run of one letter collapses whatever its spelling (`$s`, `S5`); a run keeps its first character.
    const folded = letter < 128 && letter !== SKELETON_GAP ? letter | LOWER_CASE_BIT : -1;
    if (folded !== -1 && folded === previous) continue;
    codes[length] = letter;
    positions[length] = index;
    length += 1;
    previous = folded;
  }
  return { text: UTF16.decode(codes.subarray(0, length)), positions: positions.subarray(0, length) };
}

/**
 * Rewrites a word's look-alike letters only when the word is already partly Latin, or is made of
 * look-alikes only; a genuine Russian or Greek word keeps its letters.
 */
function replaceLookAlikes(token: string): string {
  if (!GREEK_OR_CYRILLIC.test(token)) return token;
  const letters = [...token];
  const isDisguised =
    LATIN_LETTER.test(token) || letters.every((letter) => LOOK_ALIKES.has(letter) || !GREEK_OR_CYRILLIC.test(letter));
  return isDisguised ? letters.map((letter) => LOOK_ALIKES.get(letter) ?? letter).join('') : token;
}

function readKind(code: number): CharacterKind {
  if (code < 128) return ASCII_KINDS[code] as CharacterKind;
  if (isCjkCodePoint(code)) return KIND_CJK;
  if (code === EURO) return KIND_LEET;
  return LETTER_DIGIT_OR_MARK.test(String.fromCodePoint(code)) ? KIND_WORD : KIND_SEPARATOR;
}

/**
 * Splits the folded form into tokens (letters, digits, leet symbols, CJK) and the gaps between
 * them, then drops the gaps that only serve to hide a word (see `NormalizedPrompt.compact`).
 */
function compactFolded(folded: string): { compact: string; spelled: string[] } {
  const capacity = folded.length + 1;
  const buffer = new Int32Array(capacity * 7);
  const starts = buffer.subarray(0, capacity);
  const ends = buffer.subarray(capacity, capacity * 2);
  const lengths = buffer.subarray(capacity * 2, capacity * 3);
  const firstKinds = buffer.subarray(capacity * 3, capacity * 4);
  const lastKinds = buffer.subarray(capacity * 4, capacity * 5);
  const gapHasSpace = buffer.subarray(capacity * 5, capacity * 6);
  const isGapDropped = buffer.subarray(capacity * 6);
  let tokenCount = 0;
  let isInToken = false;
  let hasSpace = 0;
  for (let index = 0; index < folded.length; ) {
    let code = folded.charCodeAt(index);
    let width = 1;
    if (code >= 0xd800 && code <= 0xdbff) {
      code = folded.codePointAt(index) ?? code;
      width = code > 0xffff ? 2 : 1;
    }
    const kind = readKind(code);
    if (kind === KIND_SPACE || kind === KIND_SEPARATOR) {
      if (isInToken) {
        ends[tokenCount - 1] = index;
        isInToken = false;
        hasSpace = 0;
      }
      if (kind === KIND_SPACE) hasSpace = 1;
    } else if (isInToken) {
      lengths[tokenCount - 1] = (lengths[tokenCount - 1] ?? 0) + 1;
      lastKinds[tokenCount - 1] = kind;
    } else {
      if (tokenCount > 0) gapHasSpace[tokenCount - 1] = hasSpace;
      starts[tokenCount] = index;
      lengths[tokenCount] = 1;
      firstKinds[tokenCount] = kind;
      lastKinds[tokenCount] = kind;
      tokenCount += 1;
      isInToken = true;
    }
    index += width;
  }
  if (isInToken) ends[tokenCount - 1] = folded.length;

  // Gap `g` lies between token `g` and token `g + 1`.
  let isChanged = false;
  const spelled: string[] = [];
  let singlesFrom = -1;
  for (let token = 0; token <= tokenCount; token += 1) {
    const isSingle = token < tokenCount && lengths[token] === 1;
    if (isSingle && singlesFrom < 0) singlesFrom = token;
    if (!isSingle && singlesFrom >= 0) {
      if (token - singlesFrom >= 3) {
        isGapDropped.fill(1, singlesFrom, token - 1);
        isChanged = true;
        let run = '';
        for (let single = singlesFrom; single < token; single += 1) run += folded.slice(starts[single], ends[single]);
        spelled.push(run);
      }
      singlesFrom = -1;
    }
  }
  for (let gap = 0; gap + 1 < tokenCount; gap += 1) {
    const before = lastKinds[gap];
    const after = firstKinds[gap + 1];
    const isLetterJoint = (before === KIND_WORD || before === KIND_CJK) && (after === KIND_WORD || after === KIND_CJK);
    if ((isLetterJoint && gapHasSpace[gap] === 0) || (before === KIND_CJK && after === KIND_CJK)) {
      isGapDropped[gap] = 1;
      isChanged = true;
    }
  }
  if (!isChanged) return { compact: folded, spelled };

  let compact = folded.slice(0, starts[0]);
  for (let token = 0; token < tokenCount; token += 1) {
    compact += folded.slice(starts[token], ends[token]);
    if (token + 1 < tokenCount && isGapDropped[token] === 0) compact += folded.slice(ends[token], starts[token + 1]);
  }
  return { compact: compact + folded.slice(ends[tokenCount - 1]), spelled };
}
