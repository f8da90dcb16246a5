import type { Raster } from '#core/providers/demo/raster';

/**
 * Reduces RGB frames to one palette of at most 256 colours for GIF, by median cut over a 15-bit
 * colour histogram (https://en.wikipedia.org/wiki/Median_cut), and maps pixels onto it with a
 * 4x4 ordered dither. Ordered rather than error-diffusion dither: it is the same pattern in every
 * frame, so still parts of an animation do not shimmer, and it compresses better under LZW.
 */

/** Colours as consecutive RGB bytes, `palette.length / 3` of them. */
export type Palette = Uint8Array;

const BINS = 1 << 15;
const BAYER_4X4 = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5];
/** Dither spread, in 0..255 levels: about the distance between neighbouring palette colours. */
const DITHER_SPREAD = 12;

type Box = { start: number; end: number; count: number; longestChannel: number; range: number };

/** Builds a palette of at most `maxColors` colours that fits all `frames` together. */
export function buildPalette(frames: readonly Raster[], maxColors = 256): Palette {
  const counts = new Float64Array(BINS);
  const sums = new Float64Array(BINS * 3);
  for (const frame of frames) {
    const { data } = frame;
    for (let offset = 0; offset < data.length; offset += 3) {
      const red = data[offset]!;
      const green = data[offset + 1]!;
      const blue = data[offset + 2]!;
      const bin = ((red >> 3) << 10) | ((green >> 3) << 5) | (blue >> 3);
      counts[bin]!++;
      sums[bin * 3]! += red;
      sums[bin * 3 + 1]! += green;
      sums[bin * 3 + 2]! += blue;
    }
  }
  const used: number[] = [];
  for (let bin = 0; bin < BINS; bin++) if (counts[bin]! > 0) used.push(bin);
  const bins = Int32Array.from(used);
  const boxes: Box[] = bins.length === 0 ? [] : [describeBox(bins, counts, 0, bins.length)];
  while (boxes.length < maxColors) {
    let pick = -1;
    let best = 0;
    boxes.forEach((box, index) => {
      const score = box.range === 0 ? 0 : box.count * (box.range + 1);
      if (score > best) [pick, best] = [index, score];
    });
    if (pick < 0) break;
    const box = boxes[pick]!;
    const shift = 10 - 5 * box.longestChannel;
    bins.subarray(box.start, box.end).sort((a, b) => ((a >> shift) & 31) - ((b >> shift) & 31));
    const split = medianSplit(bins, counts, box, shift);
    boxes.splice(pick, 1, describeBox(bins, counts, box.start, split), describeBox(bins, counts, split, box.end));
  }
  const palette = new Uint8Array(Math.max(1, boxes.length) * 3);
  boxes.forEach((box, index) => {
    let red = 0;
    let green = 0;
    let blue = 0;
    for (let at = box.start; at < box.end; at++) {
      const bin = bins[at]!;
      red += sums[bin * 3]!;
      green += sums[bin * 3 + 1]!;
      blue += sums[bin * 3 + 2]!;
    }
    palette[index * 3] = Math.round(red / box.count);
    palette[index * 3 + 1] = Math.round(green / box.count);
    palette[index * 3 + 2] = Math.round(blue / box.count);
  });
  return palette;
}

/**
 * Returns a function that writes the palette index of every pixel of a raster into `out`
 * (`width * height` bytes). Nearest colours are looked up once per 15-bit colour and cached.
 */
export function createColorIndexer(palette: Palette): (raster: Raster, out: Uint8Array) => void {
  const nearest = new Int16Array(BINS).fill(-1);
  const colorCount = palette.length / 3;
  const findNearest = (bin: number): number => {
    const red = ((bin >> 10) << 3) + 4;
    const green = (((bin >> 5) & 31) << 3) + 4;
    const blue = ((bin & 31) << 3) + 4;
    let best = 0;
    let bestDistance = Infinity;
    for (let index = 0; index < colorCount; index++) {
      const dr = palette[index * 3]! - red;
      const dg = palette[index * 3 + 1]! - green;
      const db = palette[index * 3 + 2]! - blue;
      const distance = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
      if (distance < bestDistance) [best, bestDistance] = [index, distance];
    }
    nearest[bin] = best;
    return best;
  };
  return (raster, out) => {
    const { data, width, height } = raster;
    for (let row = 0; row < height; row++) {
      let offset = row * width * 3;
      let pixel = row * width;
      for (let column = 0; column < width; column++, offset += 3, pixel++) {
        const dither = ((BAYER_4X4[((row & 3) << 2) | (column & 3)]! + 0.5) / 16 - 0.5) * DITHER_SPREAD;
        const red = clampByte(data[offset]! + dither);
        const green = clampByte(data[offset + 1]! + dither);
        const blue = clampByte(data[offset + 2]! + dither);
        const bin = ((red >> 3) << 10) | ((green >> 3) << 5) | (blue >> 3);
        const cached = nearest[bin]!;
        out[pixel] = cached >= 0 ? cached : findNearest(bin);
      }
    }
  };
}

function describeBox(bins: Int32Array, counts: Float64Array, start: number, end: number): Box {
  let [lowRed, lowGreen, lowBlue, highRed, highGreen, highBlue] = [31, 31, 31, 0, 0, 0];
  let count = 0;
  for (let at = start; at < end; at++) {
    const bin = bins[at]!;
    count += counts[bin]!;
    const red = bin >> 10;
    const green = (bin >> 5) & 31;
    const blue = bin & 31;
    if (red < lowRed) lowRed = red;
    if (red > highRed) highRed = red;
    if (green < lowGreen) lowGreen = green;
    if (green > highGreen) highGreen = green;
    if (blue < lowBlue) lowBlue = blue;
    if (blue > highBlue) highBlue = blue;
  }
  const ranges = [highRed - lowRed, highGreen - lowGreen, highBlue - lowBlue];
  const range = Math.max(...ranges);
  return { start, end, count, longestChannel: ranges.indexOf(range), range };
}

/** The index that splits a sorted box into two halves of about equal pixel count, never empty. */
function medianSplit(bins: Int32Array, counts: Float64Array, box: Box, shift: number): number {
  let seen = 0;
  for (let at = box.start; at < box.end - 1; at++) {
    seen += counts[bins[at]!]!;
    const value = (bins[at]! >> shift) & 31;
    const next = (bins[at + 1]! >> shift) & 31;
    if (seen >= box.count / 2 && value !== next) return at + 1;
  }
  for (let at = box.end - 1; at > box.start; at--) {
    if (((bins[at]! >> shift) & 31) !== ((bins[at - 1]! >> shift) & 31)) return at;
  }
  return box.start + 1;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : Math.min(value, 255);
}
