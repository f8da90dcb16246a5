import { createRequire } from 'node:module';

/**
 * Walks the chunks of a PNG file for the tests, checking each chunk's CRC with pngjs's own CRC
 * code (an implementation independent of the one the encoder under test uses).
 */

type PngjsCrc = { crc32(buffer: Buffer): number };
const pngjsCrc = createRequire(import.meta.url)('pngjs/lib/crc.js') as PngjsCrc;

/** One chunk: its four-letter type, its body, and whether its stored CRC is right. */
export type PngChunk = { type: string; body: Buffer; hasValidCrc: boolean };

/** Every chunk of `png`, in order; throws if the signature is wrong or a chunk runs past the end. */
export function readPngChunks(png: Buffer): PngChunk[] {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    throw new Error('Not a PNG');
  const chunks: PngChunk[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (at + 12 + length > png.length) throw new Error('Chunk runs past the end');
    const type = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    const stored = png.readInt32BE(at + 8 + length);
    chunks.push({ type, body, hasValidCrc: pngjsCrc.crc32(png.subarray(at + 4, at + 8 + length)) === stored });
    at += 12 + length;
  }
  return chunks;
}

/** The `tEXt` entries of a PNG as keyword -> text (Latin-1). */
export function readPngTexts(png: Buffer): Map<string, string> {
  const texts = new Map<string, string>();
  for (const chunk of readPngChunks(png)) {
    if (chunk.type !== 'tEXt') continue;
    const separator = chunk.body.indexOf(0);
    texts.set(chunk.body.toString('latin1', 0, separator), chunk.body.toString('latin1', separator + 1));
  }
  return texts;
}
