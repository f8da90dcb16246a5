import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

/** An RGBA colour, each channel 0..255. */
export type Rgba = readonly [number, number, number, number];

/**
 * Encodes a solid-colour PNG of `width` x `height`. Solid colour keeps even 1536x1024 images a
 * few kilobytes and fast to encode, so fakes can answer with real-size images.
 */
export function makePng(width: number, height: number, color: Rgba = [40, 120, 200, 255]): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.alloc(width * height * 4);
  png.data.fill(Buffer.from(color));
  return PNG.sync.write(png, { filterType: 0 });
}

/** Reads a PNG's size and the colour of its top-left pixel; throws when the bytes are not a PNG. */
export function readPng(bytes: Buffer): { width: number; height: number; topLeft: Rgba } {
  const png = PNG.sync.read(bytes);
  const d = png.data;
  return { width: png.width, height: png.height, topLeft: [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, d[3] ?? 0] };
}

/** A stable opaque colour derived from `text`, so a test can tell which prompt produced an image. */
export function colorForText(text: string): Rgba {
  const digest = createHash('sha256').update(text).digest();
  return [digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0, 255];
}

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Buffer): boolean {
  return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}
