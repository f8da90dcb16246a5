import { describe, expect, it } from 'vitest';
import { DEMO_BADGE_COLOR, layoutDemoBadge } from '#core/providers/demo/draw-demo-marks';
import { countDemoAnimationFrames, renderDemoAnimation } from '#core/providers/demo/render-demo-animation';
import { type DecodedGif, decodeGif } from '#tests/core/providers/demo/decode-gif';

const INPUT = { prompt: 'a paper boat on a river', aspectRatio: '16:9', durationSeconds: 1.5, longEdge: 160 } as const;

/** The picture shown at frame `last`: every frame up to it laid over the one before (index 255 = unchanged). */
function composite(gif: DecodedGif, last: number): Uint8Array {
  const rgb = new Uint8Array(gif.width * gif.height * 3);
  for (const frame of gif.frames.slice(0, last + 1)) {
    frame.indices.forEach((index, pixel) => {
      if (index !== 255) rgb.set(gif.palette.subarray(index * 3, index * 3 + 3), pixel * 3);
    });
  }
  return rgb;
}

describe('renderDemoAnimation', () => {
  it('makes a well-formed looping GIF89a: header, screen, one frame per tenth of a second, trailer', () => {
    const file = renderDemoAnimation(INPUT);
    expect(file.mime).toBe('image/gif');
    expect(file.bytes.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(file.bytes.at(-1)).toBe(0x3b);
    const gif = decodeGif(file.bytes);
    expect([gif.width, gif.height, file.width, file.height]).toEqual([160, 90, 160, 90]);
    expect(gif.palette).toHaveLength(768);
    expect(gif.loopCount).toBe(0);
    expect(gif.comments).toEqual(['imagine demo provider']);
    expect(gif.frames).toHaveLength(15);
    for (const frame of gif.frames) {
      expect([frame.left, frame.top, frame.width, frame.height, frame.delayCentiseconds]).toEqual([0, 0, 160, 90, 10]);
    }
  });

  it.each([
    [0.2, 10],
    [2.5, 25],
    [30, 80],
  ])('turns %s seconds into %i frames', (durationSeconds, frames) => {
    expect(countDemoAnimationFrames(durationSeconds)).toBe(frames);
    expect(decodeGif(renderDemoAnimation({ ...INPUT, durationSeconds, longEdge: 32 }).bytes).frames).toHaveLength(
      frames,
    );
  });

  it('moves: later frames differ from the first, and only the changed pixels are sent again', () => {
    const gif = decodeGif(renderDemoAnimation(INPUT).bytes);
    const first = composite(gif, 0);
    const quarter = composite(gif, 4);
    let changed = 0;
    for (let index = 0; index < first.length; index++) if (first[index] !== quarter[index]) changed++;
    expect(changed).toBeGreaterThan(first.length * 0.05);
    expect(gif.frames[0]!.indices.includes(255)).toBe(false);
    expect(gif.frames[1]!.indices.filter((index) => index === 255).length).toBeGreaterThan(
      gif.width * gif.height * 0.3,
    );
  });

  it('keeps the DEMO VIDEO badge on every frame', () => {
    const gif = decodeGif(renderDemoAnimation(INPUT).bytes);
    const badge = layoutDemoBadge(gif.width, gif.height, 'DEMO VIDEO');
    const x = badge.x + badge.width - badge.scale - 1;
    const y = badge.y + 1;
    for (const last of [0, 7, 14]) {
      const rgb = composite(gif, last);
      const offset = (y * gif.width + x) * 3;
      const [red, green, blue] = rgb.subarray(offset, offset + 3);
      expect(
        Math.abs(red! - DEMO_BADGE_COLOR[0]) +
          Math.abs(green! - DEMO_BADGE_COLOR[1]) +
          Math.abs(blue! - DEMO_BADGE_COLOR[2]),
      ).toBeLessThan(24);
    }
  });

  it('gives the same bytes for the same input and other bytes for another prompt', () => {
    const bytes = renderDemoAnimation(INPUT).bytes;
    expect(renderDemoAnimation(INPUT).bytes.equals(bytes)).toBe(true);
    expect(renderDemoAnimation({ ...INPUT, prompt: 'a kite' }).bytes.equals(bytes)).toBe(false);
  });
});
