/**
 * A tiny RGB canvas for the demo provider: one `Buffer`, three bytes a pixel, row by row, and the
 * few drawing operations the demo scene needs. Every operation clips to the canvas and allocates
 * nothing per pixel, so a 768x768 scene paints in a few milliseconds.
 */

/** A colour as red, green, blue in 0..255. */
export type Rgb = readonly [red: number, green: number, blue: number];

/** An RGB picture held in one buffer of `width * height * 3` bytes, top row first. */
export type Raster = {
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
};

/** Creates a black raster of the given size. */
export function createRaster(width: number, height: number): Raster {
  return { width, height, data: Buffer.alloc(width * height * 3) };
}

/** Mixes two colours: `amount` 0 gives `from`, 1 gives `to`. */
export function mixRgb(from: Rgb, to: Rgb, amount: number): Rgb {
  return [
    from[0] + (to[0] - from[0]) * amount,
    from[1] + (to[1] - from[1]) * amount,
    from[2] + (to[2] - from[2]) * amount,
  ];
}

/** Fills a rectangle, blended over what is there with `alpha` in 0..1. */
export function fillRect(
  raster: Raster,
  x: number,
  y: number,
  width: number,
  height: number,
  color: Rgb,
  alpha = 1,
): void {
  const left = clamp(Math.round(x), 0, raster.width);
  const right = clamp(Math.round(x + width), 0, raster.width);
  const top = clamp(Math.round(y), 0, raster.height);
  const bottom = clamp(Math.round(y + height), 0, raster.height);
  const { data } = raster;
  const keep = 1 - alpha;
  const [red, green, blue] = [color[0] * alpha, color[1] * alpha, color[2] * alpha];
  for (let row = top; row < bottom; row++) {
    let offset = (row * raster.width + left) * 3;
    for (let column = left; column < right; column++, offset += 3) {
      data[offset] = data[offset]! * keep + red;
      data[offset + 1] = data[offset + 1]! * keep + green;
      data[offset + 2] = data[offset + 2]! * keep + blue;
    }
  }
}

/** Paints each row in one colour, `colorOfRow(row)`; used for skies and other vertical gradients. */
export function fillRows(raster: Raster, top: number, bottom: number, colorOfRow: (row: number) => Rgb): void {
  const { data, width } = raster;
  const start = clamp(Math.floor(top), 0, raster.height);
  const end = clamp(Math.ceil(bottom), 0, raster.height);
  for (let row = start; row < end; row++) {
    const [red, green, blue] = colorOfRow(row);
    let offset = row * width * 3;
    for (let column = 0; column < width; column++, offset += 3) {
      data[offset] = red;
      data[offset + 1] = green;
      data[offset + 2] = blue;
    }
  }
}

/**
 * Blends a disc with a soft edge `feather` pixels wide, at opacity `alpha`. Used for the sun,
 * the moon and the puffs that make up clouds.
 */
export function fillSoftCircle(
  raster: Raster,
  centerX: number,
  centerY: number,
  radius: number,
  color: Rgb,
  alpha: number,
  feather = 1.5,
): void {
  const reach = radius + feather;
  const left = clamp(Math.floor(centerX - reach), 0, raster.width);
  const right = clamp(Math.ceil(centerX + reach), 0, raster.width);
  const top = clamp(Math.floor(centerY - reach), 0, raster.height);
  const bottom = clamp(Math.ceil(centerY + reach), 0, raster.height);
  const { data } = raster;
  const inner = Math.max(0, radius - feather) ** 2;
  const outer = reach * reach;
  for (let row = top; row < bottom; row++) {
    const dy = row + 0.5 - centerY;
    let offset = (row * raster.width + left) * 3;
    for (let column = left; column < right; column++, offset += 3) {
      const dx = column + 0.5 - centerX;
      const distanceSquared = dx * dx + dy * dy;
      if (distanceSquared >= outer) continue;
      const coverage =
        distanceSquared <= inner ? alpha : alpha * Math.min(1, (reach - Math.sqrt(distanceSquared)) / (2 * feather));
      const keep = 1 - coverage;
      data[offset] = data[offset]! * keep + color[0] * coverage;
      data[offset + 1] = data[offset + 1]! * keep + color[1] * coverage;
      data[offset + 2] = data[offset + 2]! * keep + color[2] * coverage;
    }
  }
}

/**
 * Lightens towards `color` with a falloff that is strongest at the centre and gone at `radius`:
 * the haze around a sun. Screen blending, so it never darkens and never overflows.
 */
export function addGlow(
  raster: Raster,
  centerX: number,
  centerY: number,
  radius: number,
  color: Rgb,
  strength: number,
): void {
  const left = clamp(Math.floor(centerX - radius), 0, raster.width);
  const right = clamp(Math.ceil(centerX + radius), 0, raster.width);
  const top = clamp(Math.floor(centerY - radius), 0, raster.height);
  const bottom = clamp(Math.ceil(centerY + radius), 0, raster.height);
  const { data } = raster;
  const radiusSquared = radius * radius;
  for (let row = top; row < bottom; row++) {
    const dy = row + 0.5 - centerY;
    let offset = (row * raster.width + left) * 3;
    for (let column = left; column < right; column++, offset += 3) {
      const dx = column + 0.5 - centerX;
      const falloff = 1 - (dx * dx + dy * dy) / radiusSquared;
      if (falloff <= 0) continue;
      const amount = strength * falloff * falloff;
      data[offset] = data[offset]! + (color[0] - data[offset]!) * amount;
      data[offset + 1] = data[offset + 1]! + (color[1] - data[offset + 1]!) * amount;
      data[offset + 2] = data[offset + 2]! + (color[2] - data[offset + 2]!) * amount;
    }
  }
}

/**
 * Fills every column from a ridge line down to the bottom edge, anti-aliasing the ridge.
 * `ridge[column]` is the y of the top of the shape in that column; `rowColors` holds an RGB
 * triple per row (`rowColors[row * 3 + channel]`) so the shape can fade with depth.
 */
export function fillBelowRidge(raster: Raster, ridge: Float64Array, rowColors: Float64Array): void {
  const { data, width, height } = raster;
  let highest = height;
  for (let column = 0; column < width; column++) highest = Math.min(highest, ridge[column]!);
  for (let row = clamp(Math.floor(highest), 0, height); row < height; row++) {
    const red = rowColors[row * 3]!;
    const green = rowColors[row * 3 + 1]!;
    const blue = rowColors[row * 3 + 2]!;
    let offset = row * width * 3;
    for (let column = 0; column < width; column++, offset += 3) {
      const coverage = row + 1 - ridge[column]!;
      if (coverage <= 0) continue;
      if (coverage >= 1) {
        data[offset] = red;
        data[offset + 1] = green;
        data[offset + 2] = blue;
      } else {
        data[offset] = data[offset]! + (red - data[offset]!) * coverage;
        data[offset + 1] = data[offset + 1]! + (green - data[offset + 1]!) * coverage;
        data[offset + 2] = data[offset + 2]! + (blue - data[offset + 2]!) * coverage;
      }
    }
  }
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : Math.min(value, high);
}

/**
 * Darkens towards the edges and corners by up to `strength` (0..1), the way a lens does; it
 * frames the scene and keeps the eye in the middle.
 */
export function applyVignette(raster: Raster, strength: number): void {
  const { data, width, height } = raster;
  const across = new Float64Array(width);
  for (let column = 0; column < width; column++) {
    const x = (column + 0.5) / width - 0.5;
    across[column] = 1 - strength * 2 * x * x;
  }
  for (let row = 0; row < height; row++) {
    const y = (row + 0.5) / height - 0.5;
    const down = 1 - strength * 2 * y * y;
    let offset = row * width * 3;
    for (let column = 0; column < width; column++, offset += 3) {
      const factor = across[column]! * down;
      data[offset] = data[offset]! * factor;
      data[offset + 1] = data[offset + 1]! * factor;
      data[offset + 2] = data[offset + 2]! * factor;
    }
  }
}
