/**
 * A small GIF89a reader for the tests, written from the specification
 * (https://www.w3.org/Graphics/GIF/spec-gif89a.txt) independently of the encoder under test:
 * it walks every block, checks the structure, and LZW-decodes every frame.
 */

/** One decoded frame: palette indices, row by row, and its delay in hundredths of a second. */
export type GifFrame = {
  indices: Uint8Array;
  delayCentiseconds: number;
  left: number;
  top: number;
  width: number;
  height: number;
};

/** A decoded GIF. */
export type DecodedGif = {
  version: string;
  width: number;
  height: number;
  palette: Uint8Array;
  loopCount: number | undefined;
  comments: string[];
  frames: GifFrame[];
};

/** Decodes `bytes`, throwing on any structural error, including trailing bytes after the trailer. */
export function decodeGif(bytes: Uint8Array): DecodedGif {
  let at = 0;
  const byte = (): number => {
    if (at >= bytes.length) throw new Error(`Unexpected end of GIF at ${at}`);
    return bytes[at++]!;
  };
  const u16 = (): number => byte() | (byte() << 8);
  const ascii = (length: number): string => String.fromCharCode(...Array.from({ length }, byte));
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (let size = byte(); size !== 0; size = byte()) for (let index = 0; index < size; index++) parts.push(byte());
    return Uint8Array.from(parts);
  };

  const version = ascii(6);
  if (version !== 'GIF89a' && version !== 'GIF87a') throw new Error(`Not a GIF: ${version}`);
  const width = u16();
  const height = u16();
  const packed = byte();
  byte();
  byte();
  let palette = new Uint8Array(0);
  if ((packed & 0x80) !== 0) palette = bytes.slice(at, (at += 3 * (1 << ((packed & 7) + 1))));

  const frames: GifFrame[] = [];
  const comments: string[] = [];
  let loopCount: number | undefined;
  let delay = 0;
  for (;;) {
    const introducer = byte();
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      const label = byte();
      const body = subBlocks();
      if (label === 0xf9) delay = body[1]! | (body[2]! << 8);
      if (label === 0xfe) comments.push(Buffer.from(body).toString('latin1'));
      if (label === 0xff && Buffer.from(body.subarray(0, 11)).toString('latin1') === 'NETSCAPE2.0')
        loopCount = body[12]! | (body[13]! << 8);
      continue;
    }
    if (introducer !== 0x2c) throw new Error(`Unknown block 0x${introducer.toString(16)} at ${at - 1}`);
    const left = u16();
    const top = u16();
    const frameWidth = u16();
    const frameHeight = u16();
    const framePacked = byte();
    if ((framePacked & 0x80) !== 0) at += 3 * (1 << ((framePacked & 7) + 1));
    const minCodeSize = byte();
    const indices = decodeLzw(subBlocks(), minCodeSize, frameWidth * frameHeight);
    frames.push({ indices, delayCentiseconds: delay, left, top, width: frameWidth, height: frameHeight });
  }
  if (at !== bytes.length) throw new Error(`${bytes.length - at} bytes after the trailer`);
  return { version, width, height, palette, loopCount, comments, frames };
}

/** Variable-code-size LZW as GIF uses it; throws if the stream is malformed or the wrong length. */
function decodeLzw(data: Uint8Array, minCodeSize: number, pixelCount: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const out = new Uint8Array(pixelCount);
  let written = 0;
  let table: number[][] = [];
  const reset = (): void => {
    table = Array.from({ length: clear }, (_, index) => [index]);
    table.push([], []);
  };
  reset();
  let codeSize = minCodeSize + 1;
  let previous: number[] | undefined;
  let bitPosition = 0;
  let sawEnd = false;
  while (bitPosition + codeSize <= data.length * 8) {
    let code = 0;
    for (let bit = 0; bit < codeSize; bit++, bitPosition++) {
      if ((data[bitPosition >> 3]! >> (bitPosition & 7)) & 1) code |= 1 << bit;
    }
    if (code === clear) {
      reset();
      codeSize = minCodeSize + 1;
      previous = undefined;
      continue;
    }
    if (code === end) {
      sawEnd = true;
      break;
    }
    let entry: number[];
    if (code < table.length) entry = table[code]!;
    else if (code === table.length && previous !== undefined) entry = [...previous, previous[0]!];
    else throw new Error(`Bad LZW code ${code} with ${table.length} entries`);
    if (written + entry.length > pixelCount) throw new Error('LZW data longer than the frame');
    out.set(entry, written);
    written += entry.length;
    if (previous !== undefined && table.length < 4096) {
      table.push([...previous, entry[0]!]);
      if (table.length === 1 << codeSize && codeSize < 12) codeSize++;
    }
    previous = entry;
  }
  if (!sawEnd) throw new Error('LZW data has no end code');
  if (written !== pixelCount) throw new Error(`LZW decoded ${written} of ${pixelCount} pixels`);
  return out;
}
