import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { findGlyph, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH } from '#core/providers/demo/bitmap-font';
import {
  computeFrameThickness,
  DEMO_BADGE_COLOR,
  DEMO_BADGE_TEXT_COLOR,
  DEMO_CAPTION_COLOR,
  DEMO_FRAME_COLOR,
  layoutDemoBadge,
  layoutDemoCaption,
} from '#core/providers/demo/draw-demo-marks';
import type { Rgb } from '#core/providers/demo/raster';
import { renderDemoImage } from '#core/providers/demo/render-demo-image';
import type { AspectRatio } from '#core/providers/ports';
import { readPngChunks, readPngTexts } from '#tests/core/providers/demo/read-png-chunks';

const PROMPT = 'a cat astronaut floating over Tokyo at night, neon lights';

type Decoded = { width: number; height: number; data: Buffer };

function decode(bytes: Buffer): Decoded {
  return PNG.sync.read(bytes);
}

function pixelAt(image: Decoded, x: number, y: number): Rgb {
  const offset = (y * image.width + x) * 4;
  return [image.data[offset]!, image.data[offset + 1]!, image.data[offset + 2]!];
}

function isColor(image: Decoded, x: number, y: number, color: Rgb): boolean {
  const [red, green, blue] = pixelAt(image, x, y);
  return red === color[0] && green === color[1] && blue === color[2];
}

/** Mean absolute difference per channel between two pictures of the same size, 0..255. */
function meanDifference(a: Decoded, b: Decoded): number {
  let total = 0;
  for (let index = 0; index < a.data.length; index++) {
    if (index % 4 !== 3) total += Math.abs(a.data[index]! - b.data[index]!);
  }
  return total / ((a.data.length / 4) * 3);
}

/**
 * Checks that `text` is drawn at (x, y) in the built-in font: every pixel of every glyph cell is
 * `color` exactly where the glyph has a dot, and anything else where it does not.
 */
function expectTextAt(image: Decoded, text: string, x: number, y: number, scale: number, color: Rgb): void {
  const mismatches: string[] = [];
  [...text].forEach((char, charIndex) => {
    const glyph = findGlyph(char);
    for (let row = 0; row < GLYPH_HEIGHT * scale; row++) {
      for (let column = 0; column < GLYPH_WIDTH * scale; column++) {
        const isDot = (glyph[Math.floor(row / scale)]! & (1 << (GLYPH_WIDTH - 1 - Math.floor(column / scale)))) !== 0;
        const px = x + charIndex * GLYPH_ADVANCE * scale + column;
        if (isColor(image, px, y + row, color) !== isDot) mismatches.push(`${char}@${px},${y + row}`);
      }
    }
  });
  expect(mismatches.slice(0, 5)).toEqual([]);
}

describe('renderDemoImage', () => {
  it.each<[AspectRatio, number, number]>([
    ['1:1', 768, 768],
    ['16:9', 768, 432],
    ['9:16', 432, 768],
    ['4:3', 768, 576],
    ['3:4', 576, 768],
    ['3:2', 768, 512],
    ['2:3', 512, 768],
  ])('draws %s at %ix%i, a PNG whose size matches what it reports', (aspectRatio, width, height) => {
    const file = renderDemoImage({ prompt: PROMPT, aspectRatio });
    const image = decode(file.bytes);
    expect(file.mime).toBe('image/png');
    expect([image.width, image.height]).toEqual([width, height]);
    expect([file.width, file.height]).toEqual([width, height]);
  });

  it('scales to another long edge, rounding the short edge to even pixels', () => {
    const file = renderDemoImage({ prompt: PROMPT, aspectRatio: '16:9', longEdge: 1000 });
    const image = decode(file.bytes);
    expect([image.width, image.height]).toEqual([1000, 562]);
  });

  it('gives the same bytes for the same input', () => {
    const input = { prompt: PROMPT, aspectRatio: '3:2', index: 2, seed: 7 } as const;
    expect(renderDemoImage(input).bytes.equals(renderDemoImage(input).bytes)).toBe(true);
  });

  it.each([
    ['prompt', { prompt: 'sunset over mountains' }],
    ['index', { index: 1 }],
    ['seed', { seed: 42 }],
  ])('draws a visibly different picture for another %s', (_, change) => {
    const base = renderDemoImage({ prompt: PROMPT, aspectRatio: '1:1' });
    const other = renderDemoImage({ prompt: PROMPT, aspectRatio: '1:1', ...change });
    expect(other.bytes.equals(base.bytes)).toBe(false);
    expect(meanDifference(decode(base.bytes), decode(other.bytes))).toBeGreaterThan(12);
  });

  it('writes the software and the prompt as tEXt chunks before the image data, with valid CRCs', () => {
    const file = renderDemoImage({ prompt: PROMPT, aspectRatio: '1:1' });
    const chunks = readPngChunks(file.bytes);
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'tEXt', 'tEXt', 'IDAT', 'IEND']);
    expect(chunks.every((chunk) => chunk.hasValidCrc)).toBe(true);
    const texts = readPngTexts(file.bytes);
    expect(texts.get('Software')).toBe('imagine demo provider');
    expect(texts.get('Description')).toBe(PROMPT);
  });

  it('writes a prompt that Latin-1 cannot hold as a UTF-8 iTXt chunk instead', () => {
    const prompt = 'Кот в сапогах 🐱';
    const chunks = readPngChunks(renderDemoImage({ prompt, aspectRatio: '1:1' }).bytes);
    const international = chunks.find((chunk) => chunk.type === 'iTXt');
    expect(international?.hasValidCrc).toBe(true);
    expect(
      international?.body.equals(Buffer.concat([Buffer.from('Description\0\0\0\0\0'), Buffer.from(prompt, 'utf8')])),
    ).toBe(true);
    expect(chunks.filter((chunk) => chunk.type === 'tEXt')).toHaveLength(1);
  });

  it('shows a yellow DEMO badge in the top-left corner', () => {
    const image = decode(renderDemoImage({ prompt: PROMPT, aspectRatio: '16:9' }).bytes);
    const badge = layoutDemoBadge(image.width, image.height, 'DEMO');
    expect(badge.scale).toBe(4);
    expectTextAt(image, 'DEMO', badge.textX, badge.textY, badge.scale, DEMO_BADGE_TEXT_COLOR);
    let plate = 0;
    for (let y = badge.y + badge.scale; y < badge.y + badge.height - badge.scale; y++) {
      for (let x = badge.x; x < badge.x + badge.width; x++) {
        if (isColor(image, x, y, DEMO_BADGE_COLOR)) plate++;
        else expect(isColor(image, x, y, DEMO_BADGE_TEXT_COLOR)).toBe(true);
      }
    }
    expect(plate).toBeGreaterThan(badge.width * badge.height * 0.5);
  });

  it('writes the first words of the prompt along the bottom, upper case, wrapping onto two lines', () => {
    const image = decode(renderDemoImage({ prompt: PROMPT, aspectRatio: '16:9' }).bytes);
    const caption = layoutDemoCaption(image.width, image.height, PROMPT);
    expect(caption.lines).toEqual(['a cat astronaut floating over Tokyo at', 'night, neon lights']);
    expect(caption.lineY[1]! + caption.scale * GLYPH_HEIGHT).toBeLessThan(image.height);
    expectTextAt(
      image,
      'A CAT ASTRONAUT FLOATING OVER TOKYO AT',
      caption.textX,
      caption.lineY[0]!,
      caption.scale,
      DEMO_CAPTION_COLOR,
    );
    expectTextAt(image, 'NIGHT, NEON LIGHTS', caption.textX, caption.lineY[1]!, caption.scale, DEMO_CAPTION_COLOR);
  });

  it('fits the caption to a narrow picture, ending in "..."', () => {
    const image = decode(renderDemoImage({ prompt: PROMPT, aspectRatio: '9:16' }).bytes);
    const caption = layoutDemoCaption(image.width, image.height, PROMPT);
    expect(caption.lines).toEqual(['a cat astronaut', 'floating over Tokyo...']);
    expectTextAt(image, 'FLOATING OVER TOKYO...', caption.textX, caption.lineY[1]!, caption.scale, DEMO_CAPTION_COLOR);
  });

  it('cuts a long prompt with "..." and draws characters the font lacks as boxes', () => {
    const prompt = `Кот ${'very '.repeat(40)}long`;
    const image = decode(renderDemoImage({ prompt, aspectRatio: '1:1' }).bytes);
    const caption = layoutDemoCaption(image.width, image.height, prompt);
    expect(caption.lines).toHaveLength(2);
    expect(caption.lines[1]).toMatch(/\.\.\.$/u);
    expect([...findGlyph('К')]).toEqual([0x1f, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1f]);
    expectTextAt(image, caption.lines[0]!, caption.textX, caption.lineY[0]!, caption.scale, DEMO_CAPTION_COLOR);
    expectTextAt(image, caption.lines[1]!, caption.textX, caption.lineY[1]!, caption.scale, DEMO_CAPTION_COLOR);
  });

  it('frames an edit and labels it DEMO EDIT inside the frame', () => {
    const file = renderDemoImage({ prompt: PROMPT, aspectRatio: '4:3', isEdit: true });
    const image = decode(file.bytes);
    const inset = computeFrameThickness(image.width, image.height);
    for (const [x, y] of [
      [0, 0],
      [image.width - 1, image.height - 1],
      [inset - 1, image.height / 2],
      [image.width / 2, 0],
    ] as const) {
      expect(isColor(image, x, y, DEMO_FRAME_COLOR)).toBe(true);
    }
    const badge = layoutDemoBadge(image.width, image.height, 'DEMO EDIT', inset);
    expectTextAt(image, 'DEMO EDIT', badge.textX, badge.textY, badge.scale, DEMO_BADGE_TEXT_COLOR);
    const plain = decode(renderDemoImage({ prompt: PROMPT, aspectRatio: '4:3' }).bytes);
    expect(isColor(plain, 0, 0, DEMO_FRAME_COLOR)).toBe(false);
  });
});
