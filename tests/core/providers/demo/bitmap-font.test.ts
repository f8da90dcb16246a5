import { describe, expect, it } from 'vitest';
import { findGlyph, measureText, wrapText } from '#core/providers/demo/bitmap-font';

describe('wrapText', () => {
  it('keeps text that fits on one line', () => {
    expect(wrapText('sunset over mountains', 30, 2)).toEqual(['sunset over mountains']);
  });

  it('breaks at spaces and collapses runs of whitespace', () => {
    expect(wrapText('one two\n three   four', 9, 3)).toEqual(['one two', 'three', 'four']);
  });

  it('ends the last line in "..." when the text does not fit', () => {
    expect(wrapText('one two three four five six', 9, 2)).toEqual(['one two', 'three...']);
  });

  it('splits a word longer than a line', () => {
    expect(wrapText('abcdefghijkl', 5, 3)).toEqual(['abcde', 'fghij', 'kl']);
  });

  it('counts an emoji as one character', () => {
    expect(wrapText('🐱🐱🐱 cat', 4, 2)).toEqual(['🐱🐱🐱', 'cat']);
  });

  it('gives no lines for an empty prompt', () => {
    expect(wrapText('  ', 10, 2)).toEqual([]);
  });
});

describe('the bitmap font', () => {
  it('draws lower case as upper case and unknown characters as a box', () => {
    expect(findGlyph('q')).toEqual(findGlyph('Q'));
    expect(findGlyph('q')).not.toEqual(findGlyph('O'));
    expect(findGlyph('é')).toEqual(findGlyph('~'));
    expect([...findGlyph('~')]).toEqual([0x1f, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1f]);
  });

  it('has a distinct glyph for every letter and digit', () => {
    const glyphs = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'].map((char) => findGlyph(char).join(','));
    expect(new Set(glyphs).size).toBe(36);
  });

  it('measures text in pixels at a scale', () => {
    expect(measureText('DEMO', 4)).toEqual({ width: (4 * 6 - 1) * 4, height: 28 });
  });
});
