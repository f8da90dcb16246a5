import { describe, expect, it } from 'vitest';
import { decodeGif } from '#tests/core/providers/demo/decode-gif';

/**
 * A 96x48 GIF written by gifsicle 1.93 (`gifsicle --colors 16`), not by our encoder: a 16-colour
 * pattern whose pixel (x, y) is colour ((x >> 2) ^ ((y >> 1) * 3)) & 15. Decoding it proves the
 * test decoder reads another encoder's LZW (minimum code size 4, codes growing to 12 bits), so
 * the GIF tests do not merely check our encoder against its own mirror image.
 */
const FOREIGN_GIF = Buffer.from(
  [
    'R0lGODlhYAAwAPMAAAAAAFAAJQBQlFBQuQCgKFCgTQDwvFDw4aAASvBQA/AAb6BQ3qDwBvDwK6CgcvCglyH/C05FVFNDQVBFMi4w',
    'AwEAAAAh+QQFAAAQACwAAAAAYAAwAAAE/xBIEGpAGKmthBdDOCzkkpwJoRJFWziw88yPYRtHfjA80/yNCcWS0XA+IFHJhBJaLhlO',
    '5yMalVCplesVo9Vuul0PGJw8i1JkdYmVFp9C7LKK9MYc2xWB3GOEbwZuGXATciV0H4IYhBKGJIgedjF5K3w9fzeKCIwAjguQAmwo',
    'aiJoHE4WfWSAYXdeeluiJ6QhphuoFbIJtAO2CrgBqkCsOq40sC66vL7AlCqSMJg2ljycmqCezgTQDtIG1Aza3N7g1hxF2ChL4jR3',
    '5EB9xDnCP8gtxjO8usC+8mI8ZOxxgeHFH70GAvE90HeliRkiUTgYHAMkYRca4Lxx0+YJlCZOGf91ANroQk/IHCPbTSq5oqMIJB8t',
    'CDl5IOWMO9qYPczVcBYVEQoFHvSnU8ITZT9rRby1MwBSD1WCanExFIyOokN4ksDCK92JJeY2FHn3ow+7mzG8JgArc8K1lx88hVUw',
    'VuQNcGcf3FHLtoIQTRYJ0pgIEAi/pVOgKumZRcUWhYR9VJx67+KMyGQOY0iT1MpWFIFlDLY6j+IPki1Mwrtk10ZMv4XUHYIbSSUM',
    'bTRt6l2ZutJqHt5eB4gj+xFtAagLqC7LGuWNqjZaWX4g8GkSpZtPNYWOo9h0oaYb+JPqOBnjZYiBcZcueIbAueiOZ2P5zHa31t9+',
    'M4CfgW8J/hj4R0L/Xu7gV05bErwVAhKeMPTZCZoZsQFmk5VXWXsLdbZPU744yASEHCJGYT2UDSRaPhoyFqEULi2YyDmDIAhAbjck',
    'p0eLA8AE4yIy4qijWDHCJgGNNtjYUnGfHCecEOSxQFV4RKXXlHVRfVfiet5hCF5hP0SZHVNGWUAlUFZaWACWYTg3jX4EpiUfkgAi',
    'QFYDZtG3jX1z1tlbfWjBIOACcebZQ5swrHhEig825uSFJ34RnQ4HGbqBh1hImth1nn2o6GPTjVhGmBV0iKimS8b21Wwu1tYnHnYS',
    'GciOm/SIpEewcuLjB0aq4Gqpjcx63JjYSfjLdlCSdkCTsZzXGVZHKatYo7BSqFfsozkga16i6H05LKgBEHqfmvkxV42MCuYYF5Le',
    'CspDugbqF+ef7IILjqeheUGpQ9z2Y+xB9Y5G7T+SkWimQveCmK+I+4bX7wyu5krArR7wOqN+GtmHG8X4OQyxABI3bLGdzIrpLKbW',
    'toDmASFrpWm2wgID7AAlnzltdzmk7NTIVfwZaLvihmMnNzqTC2vQQgKgibo+73nnqkQP5xasEQAAOw==',
  ].join(''),
  'base64',
);

const PATTERN_COLORS = Array.from({ length: 16 }, (_, index) => [
  (index & 3) * 80,
  ((index >> 2) & 3) * 80,
  (index * 37) % 256,
]);

describe('decodeGif (the test helper)', () => {
  it('reads a GIF that another encoder wrote, pixel for pixel', () => {
    const gif = decodeGif(FOREIGN_GIF);
    expect([gif.version, gif.width, gif.height, gif.frames.length]).toEqual(['GIF89a', 96, 48, 1]);
    const frame = gif.frames[0]!;
    const wrong: string[] = [];
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 96; x++) {
        const index = frame.indices[y * 96 + x]!;
        const actual = [...gif.palette.subarray(index * 3, index * 3 + 3)];
        if (actual.join() !== PATTERN_COLORS[((x >> 2) ^ ((y >> 1) * 3)) & 15]!.join()) wrong.push(`${x},${y}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('rejects a truncated file and bytes after the trailer', () => {
    expect(() => decodeGif(FOREIGN_GIF.subarray(0, FOREIGN_GIF.length - 40))).toThrow();
    expect(() => decodeGif(Buffer.concat([FOREIGN_GIF, Buffer.from([0])]))).toThrow(/after the trailer/u);
  });
});
