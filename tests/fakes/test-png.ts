import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
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

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The compressed pixels of a one-colour palette picture, by size: every picture of a size shares them. */
const flatPixels = new Map<string, Buffer>();

/**
 * The same picture as {@link makePng} (a solid `color`, read back as RGBA), as a one-colour
 * palette PNG whose compressed pixels are made once per size: a fake server that answers with
 * many large pictures then spends microseconds per picture instead of tens of milliseconds of
 * deflate, and leaves the CPU to the processes under test.
 */
export function makeFlatPng(width: number, height: number, color: Rgba = [40, 120, 200, 255]): Buffer {
  const sizeKey = `${width}x${height}`;
  let pixels = flatPixels.get(sizeKey);
  if (!pixels) {
    // Each row: filter byte 0, then `width` palette indices, all 0.
    pixels = deflateSync(Buffer.alloc((width + 1) * height));
    flatPixels.set(sizeKey, pixels);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('PLTE', Buffer.from([color[0], color[1], color[2]])),
    ...(color[3] === 255 ? [] : [pngChunk('tRNS', Buffer.from([color[3]]))]),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
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
