import { buildPalette, createColorIndexer } from '#core/providers/demo/quantize-colors';
import type { Raster } from '#core/providers/demo/raster';

/**
 * Encodes frames of the same size as a looping animated GIF (GIF89a), by hand: one global
 * palette, full-size frames, LZW-compressed. Palette index 255 is kept for "unchanged": after the
 * first frame, every pixel that keeps its colour is written as transparent over the frame
 * before, so still parts cost almost nothing (on the demo scenes, an eighth of the size of full
 * frames). The layout follows the GIF89a specification,
 * https://www.w3.org/Graphics/GIF/spec-gif89a.txt (sections 18-28 and appendix F).
 */

/** How the animation is written. */
export type GifOptions = {
  /** Time each frame is shown, in hundredths of a second (GIF's unit). */
  delayCentiseconds: number;
  /** Text for a comment extension, ASCII; omitted when empty. */
  comment?: string;
};

const MIN_CODE_SIZE = 8;
const CLEAR_CODE = 1 << MIN_CODE_SIZE;
const END_CODE = CLEAR_CODE + 1;
const MAX_CODE = 4095;
const UNCHANGED = 255;

/** Returns the bytes of an animated GIF that shows `frames` in order, forever. */
export function encodeGif(frames: readonly Raster[], options: GifOptions): Buffer {
  const first = frames[0];
  if (first === undefined) throw new Error('A GIF needs at least one frame');
  const { width, height } = first;
  if (frames.some((frame) => frame.width !== width || frame.height !== height))
    throw new Error('GIF frames must share one size');
  const palette = buildPalette(frames, UNCHANGED);
  const indexPixels = createColorIndexer(palette);
  const out = new ByteWriter(width * height * frames.length);

  out.ascii('GIF89a');
  out.u16(width);
  out.u16(height);
  out.byte(0xf7); // global colour table, 8 bits a primary, 256 entries
  out.byte(0);
  out.byte(0);
  const table = new Uint8Array(256 * 3);
  table.set(palette);
  out.bytes(table);

  out.bytes([0x21, 0xff, 0x0b]);
  out.ascii('NETSCAPE2.0');
  out.bytes([0x03, 0x01, 0x00, 0x00, 0x00]); // loop forever

  if (options.comment !== undefined && options.comment !== '') {
    out.bytes([0x21, 0xfe]);
    writeSubBlocks(out, Buffer.from(options.comment.replace(/[^\x20-\x7e]/gu, '?'), 'ascii'));
  }

  let indices = new Uint8Array(width * height);
  let previous = new Uint8Array(width * height);
  const written = new Uint8Array(width * height);
  const lzw = new LzwEncoder();
  frames.forEach((frame, frameIndex) => {
    out.bytes([0x21, 0xf9, 0x04, 0x05]); // graphic control: keep the frame under the next, with transparency
    out.u16(Math.max(0, Math.round(options.delayCentiseconds)));
    out.bytes([UNCHANGED, 0x00]);
    out.byte(0x2c);
    out.u16(0);
    out.u16(0);
    out.u16(width);
    out.u16(height);
    out.byte(0);
    indexPixels(frame, indices);
    for (let pixel = 0; pixel < indices.length; pixel++) {
      written[pixel] = frameIndex > 0 && indices[pixel] === previous[pixel] ? UNCHANGED : indices[pixel]!;
    }
    out.byte(MIN_CODE_SIZE);
    writeSubBlocks(out, lzw.encode(written));
    [previous, indices] = [indices, previous];
  });
  out.byte(0x3b);
  return out.toBuffer();
}

function writeSubBlocks(out: ByteWriter, data: Uint8Array): void {
  for (let start = 0; start < data.length; start += 255) {
    const block = data.subarray(start, Math.min(start + 255, data.length));
    out.byte(block.length);
    out.bytes(block);
  }
  out.byte(0);
}

/**
 * GIF's variable-width LZW. The string table is a flat array indexed by (prefix code, next byte);
 * each entry is stamped with a generation, so a clear code empties the table without touching it.
 */
class LzwEncoder {
  private readonly table = new Int32Array((MAX_CODE + 1) * 256);
  private generation = 0;

  encode(indices: Uint8Array): Uint8Array {
    const bits = new BitWriter(indices.length);
    this.generation++;
    let codeSize = MIN_CODE_SIZE + 1;
    let nextCode = END_CODE + 1;
    bits.write(CLEAR_CODE, codeSize);
    let prefix = indices[0] ?? 0;
    for (let at = 1; at < indices.length; at++) {
      const next = indices[at]!;
      const key = (prefix << 8) | next;
      const entry = this.table[key]!;
      if (entry >>> 12 === this.generation) {
        prefix = entry & 0xfff;
        continue;
      }
      bits.write(prefix, codeSize);
      if (nextCode > MAX_CODE) {
        bits.write(CLEAR_CODE, codeSize);
        this.generation++;
        codeSize = MIN_CODE_SIZE + 1;
        nextCode = END_CODE + 1;
      } else {
        if (nextCode >= 1 << codeSize) codeSize++;
        this.table[key] = (this.generation << 12) | nextCode++;
      }
      prefix = next;
    }
    bits.write(prefix, codeSize);
    bits.write(END_CODE, codeSize);
    return bits.finish();
  }
}

/** Packs codes least significant bit first, as GIF wants. */
class BitWriter {
  private buffer: Uint8Array;
  private length = 0;
  private pending = 0;
  private pendingBits = 0;

  constructor(expectedBytes: number) {
    this.buffer = new Uint8Array(Math.max(64, expectedBytes));
  }

  write(code: number, size: number): void {
    this.pending |= code << this.pendingBits;
    this.pendingBits += size;
    while (this.pendingBits >= 8) {
      this.push(this.pending & 0xff);
      this.pending >>>= 8;
      this.pendingBits -= 8;
    }
  }

  finish(): Uint8Array {
    if (this.pendingBits > 0) this.push(this.pending & 0xff);
    this.pending = 0;
    this.pendingBits = 0;
    return this.buffer.subarray(0, this.length);
  }

  private push(byte: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = byte;
  }
}

/** An append-only byte buffer that grows by doubling. */
class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.alloc(Math.max(1024, expectedBytes));
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  u16(value: number): void {
    this.reserve(2);
    this.buffer.writeUInt16LE(value, this.length);
    this.length += 2;
  }

  ascii(text: string): void {
    this.bytes(Buffer.from(text, 'ascii'));
  }

  bytes(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
