import { describe, expect, it } from 'vitest';
import { drawableText, findGlyph, hasGlyph, measureText, wrapText } from '#core/providers/demo/bitmap-font';
import { layoutDemoCaption } from '#core/providers/demo/draw-demo-marks';

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

describe('captions in any script', () => {
  it('keeps what the font draws, folds accents to their letters and leaves out the rest', () => {
    expect(drawableText('Café crème brûlée')).toBe('Cafe creme brulee');
    expect(drawableText('一只狐狸 in the snow 🦊')).toBe('in the snow');
    expect(drawableText('Лиса fox')).toBe('fox');
    expect(drawableText('  a  \t b ')).toBe('a b');
  });

  it('writes no caption, rather than a row of boxes, for a prompt with nothing the font draws', () => {
    expect(layoutDemoCaption(512, 512, '一只在雪地里的狐狸').lines).toEqual([]);
    expect(layoutDemoCaption(512, 512, 'キツネ').lines).toEqual([]);
    const mixed = layoutDemoCaption(512, 512, '雪地里的 fox, 4K');
    expect(mixed.lines).toEqual(['fox, 4K']);
    expect([...mixed.lines.join('')].every(hasGlyph)).toBe(true);
  });
});
