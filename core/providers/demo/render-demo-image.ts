import type { AspectRatio, MediaFile } from '#core/providers/ports';
import { computeDemoSize, DEFAULT_LONG_EDGE } from '#core/providers/demo/demo-dimensions';
import { designDemoScene } from '#core/providers/demo/design-demo-scene';
import {
  computeFrameThickness,
  drawDemoBadge,
  drawDemoCaption,
  drawDemoFrame,
} from '#core/providers/demo/draw-demo-marks';
import { encodePng } from '#core/providers/demo/encode-png';
import { paintDemoScene } from '#core/providers/demo/paint-demo-scene';
import { createRaster } from '#core/providers/demo/raster';
import { hashString, mixSeeds } from '#core/providers/demo/seeded-random';

/** The `Software` text written into every demo PNG. */
export const DEMO_SOFTWARE = 'imagine demo provider';

/** What to draw; see {@link renderDemoImage}. */
export type DemoImageInput = {
  prompt: string;
  aspectRatio: AspectRatio;
  /** Which of several pictures for the same prompt (0 for the first); each looks different. */
  index?: number;
  seed?: number;
  /** Pixels on the long edge; default 768. */
  longEdge?: number;
  /** Draws the edit variant: a framed picture with a "DEMO EDIT" badge. */
  isEdit?: boolean;
};

/**
 * Draws a placeholder picture for a prompt without calling any AI: a landscape whose palette and
 * layout come from a hash of the prompt, index and seed, with a "DEMO" badge and the start of the
 * prompt on it, and the prompt in the PNG's `Description` text. Pure and deterministic: the same
 * input gives the same bytes in any process, which keeps the no-setup path testable and
 * reproducible. The size follows the aspect ratio exactly from the long edge, rounded to even
 * pixels (768: 1:1 is 768x768, 16:9 is 768x432).
 */
export function renderDemoImage(input: DemoImageInput): MediaFile {
  const { width, height } = computeDemoSize(input.aspectRatio, input.longEdge ?? DEFAULT_LONG_EDGE);
  const raster = createRaster(width, height);
  const seed = mixSeeds(hashString(input.prompt), input.seed ?? 0, input.isEdit === true ? 1 : 0);
  paintDemoScene(raster, designDemoScene(seed, input.index ?? 0));
  let inset = 0;
  if (input.isEdit === true) {
    inset = computeFrameThickness(width, height);
    drawDemoFrame(raster, inset);
  }
  drawDemoBadge(raster, input.isEdit === true ? 'DEMO EDIT' : 'DEMO', inset);
  drawDemoCaption(raster, input.prompt, inset);
  const bytes = encodePng(raster, [
    { keyword: 'Software', text: DEMO_SOFTWARE },
    { keyword: 'Description', text: input.prompt },
  ]);
  return { bytes, mime: 'image/png', width, height };
}
