import type { Raster, Rgb } from '#core/providers/demo/raster';

/**
 * A 5x7 bitmap font, upper case only, for the labels on demo pictures. Nothing to load, nothing
 * to license, the same pixels on every machine. Lower case is drawn as upper case; any other
 * character the font lacks (accents, Cyrillic, CJK, emoji) is drawn as a hollow box, so the
 * reader sees that something was there.
 */

/** Glyph width in font pixels. */
export const GLYPH_WIDTH = 5;
/** Glyph height in font pixels. */
export const GLYPH_HEIGHT = 7;
/** Horizontal distance from one glyph to the next, in font pixels. */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;
/** Vertical distance from one line to the next, in font pixels. */
export const LINE_ADVANCE = GLYPH_HEIGHT + 3;

const PLACEHOLDER = ['#####', '#...#', '#...#', '#...#', '#...#', '#...#', '#####'];

const GLYPH_ROWS: Readonly<Record<string, readonly string[]>> = {
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['###..', '#..#.', '#...#', '#...#', '#...#', '#..#.', '###..'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  J: ['..###', '...#.', '...#.', '...#.', '...#.', '#..#.', '.##..'],
  K: ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  Q: ['.###.', '#...#', '#...#', '#...#', '#.#.#', '#..#.', '.##.#'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '#.#.#', '.#.#.'],
  X: ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  Z: ['#####', '....#', '...#.', '..#..', '.#...', '#....', '#####'],
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['#####', '...#.', '..#..', '...#.', '....#', '#...#', '.###.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  ',': ['.....', '.....', '.....', '.....', '.##..', '..#..', '.#...'],
  ':': ['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....'],
  ';': ['.....', '.##..', '.##..', '.....', '.##..', '..#..', '.#...'],
  '!': ['..#..', '..#..', '..#..', '..#..', '..#..', '.....', '..#..'],
  '?': ['.###.', '#...#', '....#', '...#.', '..#..', '.....', '..#..'],
  '-': ['.....', '.....', '.....', '.###.', '.....', '.....', '.....'],
  '+': ['.....', '..#..', '..#..', '#####', '..#..', '..#..', '.....'],
  '=': ['.....', '.....', '#####', '.....', '#####', '.....', '.....'],
  _: ['.....', '.....', '.....', '.....', '.....', '.....', '#####'],
  "'": ['..#..', '..#..', '.#...', '.....', '.....', '.....', '.....'],
  '"': ['.#.#.', '.#.#.', '.#.#.', '.....', '.....', '.....', '.....'],
  '/': ['.....', '....#', '...#.', '..#..', '.#...', '#....', '.....'],
  '(': ['...#.', '..#..', '.#...', '.#...', '.#...', '..#..', '...#.'],
  ')': ['.#...', '..#..', '...#.', '...#.', '...#.', '..#..', '.#...'],
  '&': ['.##..', '#..#.', '#.#..', '.#...', '#.#.#', '#..#.', '.##.#'],
  '#': ['.#.#.', '.#.#.', '#####', '.#.#.', '#####', '.#.#.', '.#.#.'],
  '%': ['##...', '##..#', '...#.', '..#..', '.#...', '#..##', '...##'],
  '*': ['.....', '#.#.#', '.###.', '#####', '.###.', '#.#.#', '.....'],
  '@': ['.###.', '#...#', '#.###', '#.#.#', '#.###', '#....', '.####'],
  '<': ['...#.', '..#..', '.#...', '#....', '.#...', '..#..', '...#.'],
  '>': ['.#...', '..#..', '...#.', '....#', '...#.', '..#..', '.#...'],
  '[': ['.###.', '.#...', '.#...', '.#...', '.#...', '.#...', '.###.'],
  ']': ['.###.', '...#.', '...#.', '...#.', '...#.', '...#.', '.###.'],
  $: ['..#..', '.####', '#.#..', '.###.', '..#.#', '####.', '..#..'],
  '|': ['..#..', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
};

const GLYPHS: ReadonlyMap<string, Uint8Array> = new Map(
  Object.entries(GLYPH_ROWS).map(([char, rows]) => [char, toBits(rows)]),
);
const PLACEHOLDER_BITS = toBits(PLACEHOLDER);

/**
 * The glyph drawn for one character: seven row masks, bit 4 the leftmost pixel. Lower case maps
 * to upper case, whitespace to a space, anything else unknown to the placeholder box.
 */
export function findGlyph(char: string): Uint8Array {
  if (/^\s$/u.test(char)) return GLYPHS.get(' ')!;
  return GLYPHS.get(char.toUpperCase()) ?? PLACEHOLDER_BITS;
}

/** Whether the font has a glyph of its own for `char` (whitespace counts as the space). */
export function hasGlyph(char: string): boolean {
  return /^\s$/u.test(char) || GLYPHS.has(char.toUpperCase());
}

/**
 * The part of `text` the font can draw: accented letters folded to their base letter (é → e),
 * every other character it lacks (CJK, Cyrillic, emoji) left out, whitespace collapsed. So a
 * caption never shows a row of boxes; a prompt in a script the font lacks gets no caption.
 */
export function drawableText(text: string): string {
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '');
  return [...folded]
    .map((char) => (hasGlyph(char) ? char : ' '))
    .join('')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** How many pixels `text` covers at `scale` (each font pixel a `scale`x`scale` square). */
export function measureText(text: string, scale: number): { width: number; height: number } {
  const length = [...text].length;
  return { width: length === 0 ? 0 : (length * GLYPH_ADVANCE - 1) * scale, height: GLYPH_HEIGHT * scale };
}

/** Draws one line of text with its top-left corner at (x, y); clips to the raster. */
export function drawText(raster: Raster, text: string, x: number, y: number, scale: number, color: Rgb): void {
  let penX = Math.round(x);
  const top = Math.round(y);
  for (const char of text) {
    const glyph = findGlyph(char);
    for (let glyphRow = 0; glyphRow < GLYPH_HEIGHT; glyphRow++) {
      const bits = glyph[glyphRow]!;
      if (bits === 0) continue;
      for (let glyphColumn = 0; glyphColumn < GLYPH_WIDTH; glyphColumn++) {
        if ((bits & (1 << (GLYPH_WIDTH - 1 - glyphColumn))) === 0) continue;
        fillSquare(raster, penX + glyphColumn * scale, top + glyphRow * scale, scale, color);
      }
    }
    penX += GLYPH_ADVANCE * scale;
  }
}

/**
 * Breaks `text` into at most `maxLines` lines of at most `maxChars` characters, at spaces where
 * it can; if the text does not fit, the last line ends in "...".
 */
export function wrapText(text: string, maxChars: number, maxLines: number): string[] {
  const words = text.split(/\s+/u).filter((word) => word.length > 0);
  const lines: string[] = [];
  let line = '';
  let index = 0;
  while (index < words.length && lines.length < maxLines) {
    const word = [...words[index]!];
    const candidate = line === '' ? word.join('') : `${line} ${word.join('')}`;
    if ([...candidate].length <= maxChars) {
      line = candidate;
      index++;
    } else if (line === '') {
      line = word.slice(0, maxChars).join('');
      words[index] = word.slice(maxChars).join('');
      lines.push(line);
      line = '';
    } else {
      lines.push(line);
      line = '';
    }
  }
  if (line !== '' && lines.length < maxLines) lines.push(line);
  if (index < words.length && lines.length > 0) {
    const last = [...lines[lines.length - 1]!];
    lines[lines.length - 1] = `${last
      .slice(0, Math.max(0, maxChars - 3))
      .join('')
      .trimEnd()}...`;
  }
  return lines;
}

function fillSquare(raster: Raster, x: number, y: number, size: number, color: Rgb): void {
  const { data, width, height } = raster;
  const right = Math.min(x + size, width);
  const bottom = Math.min(y + size, height);
  for (let row = Math.max(0, y); row < bottom; row++) {
    for (let column = Math.max(0, x); column < right; column++) {
      const offset = (row * width + column) * 3;
      data[offset] = color[0];
      data[offset + 1] = color[1];
      data[offset + 2] = color[2];
    }
  }
}

function toBits(rows: readonly string[]): Uint8Array {
  return Uint8Array.from(rows, (row) => [...row].reduce((bits, pixel) => (bits << 1) | (pixel === '#' ? 1 : 0), 0));
}
