import type { AspectRatio } from '#core/providers/ports';

/** The long edge of a demo picture when the caller does not ask for another. */
export const DEFAULT_LONG_EDGE = 768;

/**
 * The pixel size of a demo picture: the long edge as given, the short edge scaled by the aspect
 * ratio and rounded to an even number (so 16:9 at 768 is 768x432), never below 2 px.
 */
export function computeDemoSize(
  aspectRatio: AspectRatio,
  longEdge: number = DEFAULT_LONG_EDGE,
): { width: number; height: number } {
  const [across, down] = aspectRatio.split(':').map(Number) as [number, number];
  const long = toEven(longEdge);
  if (across >= down) {
    return { width: long, height: toEven((long * down) / across) };
  }
  return { width: toEven((long * across) / down), height: long };
}

function toEven(pixels: number): number {
  return Math.max(2, Math.round(pixels / 2) * 2);
}
