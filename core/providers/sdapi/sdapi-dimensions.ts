import type { AspectRatio } from '#core/providers/ports';

/** Stable Diffusion works in latent blocks; sizes in multiples of 64 are safe for every model family. */
const MULTIPLE = 64;

/**
 * The width and height to ask for: the picture of `baseEdge`² pixels (1024: about one megapixel,
 * what SDXL-class models were trained on; 512 for SD 1.5) in the given aspect ratio, each side
 * rounded to a multiple of 64. 16:9 at 1024 gives 1344×768, SDXL's own bucket.
 */
export function sizeForAspectRatio(aspectRatio: AspectRatio, baseEdge: number): { width: number; height: number } {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  return sizeForShape(w / h, baseEdge);
}

/** The same for a ratio of width to height, e.g. an input photo's. */
export function sizeForShape(ratio: number, baseEdge: number): { width: number; height: number } {
  const round = (value: number) => Math.max(MULTIPLE, Math.round(value / MULTIPLE) * MULTIPLE);
  return { width: round(baseEdge * Math.sqrt(ratio)), height: round(baseEdge / Math.sqrt(ratio)) };
}
