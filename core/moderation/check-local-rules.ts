import type { CompiledModerationRules } from '#core/moderation/compile-moderation-rules';
import { buildSkeleton, CJK_CHAR, normalizeForMatching } from '#core/moderation/normalize-prompt';

/** The local stage's decision on one prompt. */
export type LocalModerationResult =
  | { verdict: 'allowed' }
  | {
      verdict: 'blocked';
      /** Blocking categories that matched, in the order of the rules. */
      categories: string[];
      /** True when any of `categories` is severe: the account is suspended at once. */
      isSevere: boolean;
      /** Terms as configured (`porn*`), and for patterns the matched text, for the moderation event. */
      matched: string[];
    };

type CompiledScanner = NonNullable<CompiledModerationRules['foldedLatin']>;
type CompiledEntry = NonNullable<ReturnType<CompiledScanner['entriesByKey']['get']>>[number];

const HAS_CJK = new RegExp(CJK_CHAR, 'u');
const GLYPH = /[\p{N}@$!|+€]/gu;
const LETTER = /\p{L}/gu;
/** Keeps a runaway operator pattern from filling the moderation event. */
const MAX_MATCHED_LENGTH = 100;

/**
 * Checks a prompt against the local word lists and patterns, offline and before any credit is
 * reserved; a prompt it allows may still be refused by the provider moderation stage that
 * follows. Pure and synchronous: about one literal search per form of the text plus one per
 * pattern, a few tens of microseconds for a 1000-character prompt.
 */
export function checkLocalRules(prompt: string, rules: CompiledModerationRules): LocalModerationResult {
  const { folded, compact, spelled, unmasked } = normalizeForMatching(prompt);
  const hits = new Map<string, Set<string>>();

  collectTermHits(folded, rules.foldedLatin, hits);
  if (HAS_CJK.test(compact)) {
    collectTermHits(folded, rules.foldedCjk, hits);
    collectTermHits(compact, rules.compactCjk, hits);
  }
  if (compact !== folded) collectTermHits(compact, rules.compactLatin, hits);
  for (const run of spelled) collectTermHits(run, rules.spelledLatin, hits);
  for (const reading of unmasked) collectTermHits(reading, rules.foldedLatin, hits);
  for (const pattern of rules.patterns) {
    const found = pattern.regex.exec(folded);
    if (found !== null) addHit(hits, pattern.category, (found[1] ?? found[0]).slice(0, MAX_MATCHED_LENGTH));
  }
  if (hits.size === 0) return { verdict: 'allowed' };

  const categories: string[] = [];
  const matched = new Set<string>();
  let isSevere = false;
  for (const category of rules.categories) {
    if (!category.isBlocking) continue;
    const direct = hits.get(category.name);
    const combinations = category.combinations.filter((names) => names.every((name) => hits.has(name)));
    if (direct === undefined && combinations.length === 0) continue;
    categories.push(category.name);
    isSevere ||= category.isSevere;
    for (const hit of direct ?? []) matched.add(hit);
    for (const names of combinations) {
      for (const name of names) for (const hit of hits.get(name) ?? []) matched.add(hit);
    }
  }
  if (categories.length === 0) return { verdict: 'allowed' };
  return { verdict: 'blocked', categories, isSevere, matched: [...matched] };
}

/**
 * Finds candidate positions with one search (over the skeleton for Latin keys), then tries the
 * exact expressions of the terms whose key starts there. A position inside an exception is
 * skipped together with the whole exception.
 */
function collectTermHits(text: string, compiled: CompiledScanner | null, hits: Map<string, Set<string>>): void {
  if (compiled === null || text === '') return;
  const { scanner } = compiled;
  const skeleton = compiled.isOnSkeleton ? buildSkeleton(text) : null;
  const searched = skeleton?.text ?? text;
  scanner.lastIndex = 0;
  for (let found = scanner.exec(searched); found !== null; found = scanner.exec(searched)) {
    const at = found.index + found[0].length - (found[1] ?? '').length;
    const entries = findEntries(compiled, searched, at);
    const textAt = skeleton === null ? at : (skeleton.positions[at] ?? 0);
    const exceptionEnd = findExceptionEnd(text, textAt, entries);
    if (exceptionEnd > textAt) {
      scanner.lastIndex = skeleton === null ? exceptionEnd : findSkeletonIndex(skeleton.positions, at, exceptionEnd);
      continue;
    }
    for (const entry of entries) {
      if (entry.category === null) continue;
      entry.sticky.lastIndex = textAt;
      const match = entry.sticky.exec(text);
      if (match !== null && isMostlyLetters(match[0], entry.glyphCount)) addHit(hits, entry.category, entry.term);
    }
    scanner.lastIndex = compiled.isAtWordStart ? at : at + 1;
  }
}

function findEntries(compiled: CompiledScanner, searched: string, at: number): CompiledEntry[] {
  const entries: CompiledEntry[] = [];
  for (const length of compiled.keyLengths) {
    const found = compiled.entriesByKey.get(searched.slice(at, at + length).toLowerCase());
    if (found !== undefined) entries.push(...found);
  }
  return entries;
}

function findSkeletonIndex(positions: Int32Array, from: number, textIndex: number): number {
  let index = from + 1;
  while (index < positions.length && (positions[index] ?? 0) < textIndex) index += 1;
  return index;
}

function findExceptionEnd(text: string, at: number, entries: readonly CompiledEntry[]): number {
  let end = -1;
  for (const entry of entries) {
    if (entry.category !== null) continue;
    entry.sticky.lastIndex = at;
    const match = entry.sticky.exec(text);
    if (match !== null) end = Math.max(end, at + match[0].length);
  }
  return end;
}

/**
 * Whether a match reads as a word rather than a number: leetspeak substitutions may not outnumber
 * real letters, so `s3x` matches `sex` but the `53x` of a zoom lens does not.
 */
function isMostlyLetters(match: string, termGlyphCount: number): boolean {
  const letters = match.match(LETTER)?.length ?? 0;
  const glyphs = match.match(GLYPH)?.length ?? 0;
  return glyphs - termGlyphCount <= letters;
}

function addHit(hits: Map<string, Set<string>>, category: string, hit: string): void {
  const categoryHits = hits.get(category);
  if (categoryHits === undefined) hits.set(category, new Set([hit]));
  else categoryHits.add(hit);
}
