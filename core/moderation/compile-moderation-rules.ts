import type { ModerationRules, ModerationTerm } from '#core/moderation/moderation-rules';
import {
  buildSkeleton,
  CJK_CHAR,
  foldForMatching,
  isCjkCodePoint,
  LEET_GLYPHS,
} from '#core/moderation/normalize-prompt';

const GLYPH_LETTERS = invertGlyphs(LEET_GLYPHS);
/** Skeleton letters that a symbol (not a digit) can stand for, e.g. `a` for `@`. */
const SYMBOL_LETTERS = new Set(
  Object.entries(LEET_GLYPHS)
    .filter(([, glyphs]) => /[^a-z0-9]/.test(glyphs))
    .map(([letter]) => (letter === 'l' ? 'i' : letter)),
);

/** A letter or digit of an alphabetic script: what must not touch a Latin term for it to match. */
const WORD_CHAR = String.raw`[[\p{L}\p{N}]--${CJK_CHAR}]`;
/**
 * What may join, split or sit between the words of a phrase. Bounded, like letter runs, so that
 * a prompt of thousands of `1`s or `!`s cannot make the overlapping classes backtrack for long.
 */
const WORD_GAP = String.raw`[^\p{L}\p{N}]{0,16}`;
/** The longest run of one letter that still reads as that letter (`nuuu…de`). */
const MAX_RUN = 32;
/** Characters searched for a term: the first few of its first word (of its skeleton, for Latin). */
const KEY_LENGTH = 3;

/** A term (or exception) ready to be tried at one position of a form. */
type CompiledEntry = {
  /** The term as configured, reported in `matched`. */
  readonly term: string;
  /** `null` for an exception. */
  readonly category: string | null;
  /** Sticky and exact: word boundaries, leet classes, repeated letters. */
  readonly sticky: RegExp;
  /** Digits the term itself contains, which are not leetspeak substitutions. */
  readonly glyphCount: number;
};

/**
 * One search over a form of the prompt. Latin keys are searched in the form's skeleton (at word
 * starts, except in spelled-out runs); CJK keys in the form itself, anywhere.
 */
type CompiledScanner = {
  /** Finds positions where some key starts; group 1 is the key (group 0 may hold the character before it). */
  readonly scanner: RegExp;
  /** Whether the scanner consumes the character before a key, so the next search must start at the key. */
  readonly isAtWordStart: boolean;
  readonly isOnSkeleton: boolean;
  /** Key → the exceptions, then the terms, that start with it. */
  readonly entriesByKey: ReadonlyMap<string, readonly CompiledEntry[]>;
  /** The distinct key lengths, longest first. */
  readonly keyLengths: readonly number[];
};

type CompiledPattern = { readonly category: string; readonly regex: RegExp };

type CompiledCategory = {
  readonly name: string;
  readonly isSevere: boolean;
  readonly isBlocking: boolean;
  readonly combinations: readonly (readonly string[])[];
};

/**
 * Rules compiled for `checkLocalRules` (the "matcher"); build it once at start-up with
 * {@link compileModerationRules} and treat it as opaque. Its regular expressions keep match
 * state, which is safe because a check runs synchronously from start to end.
 */
export type CompiledModerationRules = {
  /** Every Latin term, on the folded form. */
  readonly foldedLatin: CompiledScanner | null;
  /** CJK terms that opted out of compact matching, on the folded form. */
  readonly foldedCjk: CompiledScanner | null;
  /** Latin terms eligible for compact matching, on the compact form (only when it differs). */
  readonly compactLatin: CompiledScanner | null;
  /** CJK terms, on the compact form (always: CJK text nearly always has punctuation to drop). */
  readonly compactCjk: CompiledScanner | null;
  /** The `compactLatin` terms without a start boundary, on each spelled-out run. */
  readonly spelledLatin: CompiledScanner | null;
  readonly patterns: readonly CompiledPattern[];
  readonly categories: readonly CompiledCategory[];
};

type TermSource = {
  /** The exact expression, word boundaries included. */
  source: string;
  /** The same without the start boundary, for spelled-out runs. */
  unboundedSource: string;
  key: string;
  isKeyCjk: boolean;
  letterCount: number;
  glyphCount: number;
  isCjk: boolean;
};
type PendingEntry = { entry: CompiledEntry; key: string; isKeyCjk: boolean };
type ScannerKind = 'word-start' | 'anywhere' | 'cjk';

/**
 * Compiles validated rules (see `ModerationRulesSchema`) into a matcher. Checking a prompt then
 * costs one literal search per form, with exact regular expressions tried only where a term's
 * first letters appear. Terms are folded like prompts, so `Nude`, `ｎｕｄｅ` and `nude` in a
 * list are the same term.
 */
export function compileModerationRules(rules: ModerationRules): CompiledModerationRules {
  const exceptions = rules.exceptions.map((exception) => compileEntry(readTermText(exception), null).pending);
  const folded: PendingEntry[] = [...exceptions];
  const compact: PendingEntry[] = [...exceptions];
  const spelled: PendingEntry[] = exceptions.filter((pending) => !pending.isKeyCjk);
  const patterns: CompiledPattern[] = [];
  const categories: CompiledCategory[] = [];

  for (const [name, category] of Object.entries(rules.categories)) {
    categories.push({
      name,
      isSevere: category.isSevere,
      isBlocking: category.isBlocking,
      combinations: category.combinations,
    });
    for (const term of category.terms) {
      const { pending, source } = compileEntry(readTermText(term), name);
      const isCompact = isCompactMatched(term, source, rules.compactMinLength);
      if (isCompact) compact.push(pending);
      if (!isCompact || !pending.isKeyCjk) folded.push(pending);
      if (isCompact && !pending.isKeyCjk) {
        spelled.push({ ...pending, entry: { ...pending.entry, sticky: new RegExp(source.unboundedSource, 'yv') } });
      }
    }
    for (const pattern of category.patterns) patterns.push({ category: name, regex: new RegExp(pattern, 'u') });
  }

  return {
    foldedLatin: compileScanner(
      folded.filter((pending) => !pending.isKeyCjk),
      'word-start',
    ),
    foldedCjk: compileScanner(
      folded.filter((pending) => pending.isKeyCjk),
      'cjk',
    ),
    compactLatin: compileScanner(
      compact.filter((pending) => !pending.isKeyCjk),
      'word-start',
    ),
    compactCjk: compileScanner(
      compact.filter((pending) => pending.isKeyCjk),
      'cjk',
    ),
    spelledLatin: compileScanner(spelled, 'anywhere'),
    patterns,
    categories,
  };
}

function compileEntry(text: string, category: string | null): { pending: PendingEntry; source: TermSource } {
  const source = buildTermSource(text);
  const entry = { term: text, category, sticky: new RegExp(source.source, 'yv'), glyphCount: source.glyphCount };
  return { pending: { entry, key: source.key, isKeyCjk: source.isKeyCjk }, source };
}

function compileScanner(pending: readonly PendingEntry[], kind: ScannerKind): CompiledScanner | null {
  if (!pending.some(({ entry }) => entry.category !== null)) return null;
  const entriesByKey = new Map<string, CompiledEntry[]>();
  for (const { entry, key } of pending) {
    const entries = entriesByKey.get(key) ?? [];
    entries.push(entry);
    entriesByKey.set(key, entries);
  }
  const keys = [...entriesByKey.keys()].sort((left, right) => right.length - left.length);
  const alternation = keys.map(kind === 'cjk' ? escapeLiteral : buildSkeletonKeySource).join('|');
  // Consuming the character before a Latin key, instead of a lookbehind, keeps the search fast;
  // the skeleton starts with a space, so a word at the start has one too.
  const prefix = kind === 'word-start' ? '[^a-z0-9]' : '';
  return {
    scanner: new RegExp(`${prefix}(${alternation})`, 'g'),
    isAtWordStart: kind === 'word-start',
    isOnSkeleton: kind !== 'cjk',
    entriesByKey,
    keyLengths: [...new Set(keys.map((key) => key.length))],
  };
}

function isCompactMatched(term: ModerationTerm, source: TermSource, compactMinLength: number): boolean {
  if (typeof term !== 'string' && term.compactMatch !== undefined) return term.compactMatch;
  return source.isCjk || source.letterCount >= compactMinLength;
}

function readTermText(term: ModerationTerm): string {
  return typeof term === 'string' ? term : term.term;
}

/**
 * Turns a term into a regular-expression source (flag `v`) and its search key: each letter
 * becomes a class of the letter and its leet glyphs, a run of one letter may grow but not shrink
 * (`ss` is `s{2,32}`), words are joined by an optional gap, and Latin ends get word boundaries
 * that CJK ends do not need.
 */
function buildTermSource(text: string): TermSource {
  const folded = foldForMatching(text);
  const isPrefix = folded.endsWith('*');
  const words = folded.split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
  const characters = [...words.join('')];
  const isCjkCharacter = (character: string): boolean => isCjkCodePoint(character.codePointAt(0) ?? 0);
  const start = isCjkCharacter(characters[0] ?? '') ? '' : `(?<!${WORD_CHAR})`;
  const end = isPrefix || isCjkCharacter(characters.at(-1) ?? '') ? '' : `(?!${WORD_CHAR})`;
  const body = words.map((word) => buildWordSource(word, isCjkCharacter)).join(WORD_GAP);
  return {
    source: start + body + end,
    unboundedSource: body + end,
    key: isCjkCharacter(characters[0] ?? '')
      ? readCjkKey(characters)
      : buildSkeleton(words[0] ?? '').text.slice(1, 1 + KEY_LENGTH),
    isKeyCjk: isCjkCharacter(characters[0] ?? ''),
    letterCount: characters.length,
    glyphCount: characters.filter((character) => /\p{N}/u.test(character)).length,
    isCjk: characters.some(isCjkCharacter),
  };
}

/** The leading CJK characters of a term (at most `KEY_LENGTH`): matched in the form as written. */
function readCjkKey(characters: readonly string[]): string {
  let key = '';
  for (const character of characters.slice(0, KEY_LENGTH)) {
    if (!isCjkCodePoint(character.codePointAt(0) ?? 0)) break;
    key += character;
  }
  return key;
}

function buildWordSource(word: string, isCjkCharacter: (character: string) => boolean): string {
  const characters = [...word];
  let source = '';
  for (let index = 0; index < characters.length; ) {
    const character = characters[index] ?? '';
    let run = 1;
    while (characters[index + run] === character) run += 1;
    source += isCjkCharacter(character)
      ? character.repeat(run)
      : `${buildCharacterClass(character)}{${run},${Math.max(run, MAX_RUN)}}`;
    index += run;
  }
  return source;
}

function buildCharacterClass(character: string): string {
  const members = new Set([character, ...(LEET_GLYPHS[character] ?? ''), ...(GLYPH_LETTERS.get(character) ?? '')]);
  if (members.size === 1) return character;
  return `[${[...members].map((member) => (/[!-/:-@[-`{-~]/.test(member) ? `\\${member}` : member)).join('')}]`;
}

/** A key as it may appear in a skeleton: a letter that some symbol stands for may be a capital there. */
function buildSkeletonKeySource(key: string): string {
  return [...key]
    .map((character) =>
      SYMBOL_LETTERS.has(character) ? `[${character}${character.toUpperCase()}]` : escapeLiteral(character),
    )
    .join('');
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function invertGlyphs(glyphs: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  const letters = new Map<string, string>();
  for (const [letter, forms] of Object.entries(glyphs)) {
    for (const glyph of forms) letters.set(glyph, (letters.get(glyph) ?? '') + letter);
  }
  return letters;
}
