import type { AspectRatio, MediaFile } from '#core/providers/ports';
import { computeDemoSize } from '#core/providers/demo/demo-dimensions';
import { designDemoScene } from '#core/providers/demo/design-demo-scene';
import { drawDemoBadge, drawDemoCaption } from '#core/providers/demo/draw-demo-marks';
import { encodeGif } from '#core/providers/demo/encode-gif';
import { paintDemoScene } from '#core/providers/demo/paint-demo-scene';
import { createRaster } from '#core/providers/demo/raster';
import { DEMO_SOFTWARE } from '#core/providers/demo/render-demo-image';
import { hashString, mixSeeds } from '#core/providers/demo/seeded-random';

/** Frames a second in a demo animation; GIF counts delays in hundredths, so 10 is exact. */
export const DEMO_ANIMATION_FPS = 10;
/** Fewest and most frames in one demo animation, so a long request stays a small file. */
export const DEMO_ANIMATION_FRAME_LIMITS = { min: 10, max: 80 } as const;
/** Long edge of a demo animation: GIF is a heavy format, so smaller than the stills. */
export const DEMO_ANIMATION_LONG_EDGE = 384;

/** What to animate; see {@link renderDemoAnimation}. */
export type DemoAnimationInput = {
  prompt: string;
  aspectRatio: AspectRatio;
  durationSeconds: number;
  seed?: number;
  longEdge?: number;
};

/** How many frames a demo animation of this duration has. */
export function countDemoAnimationFrames(durationSeconds: number): number {
  const wanted = Math.round(durationSeconds * DEMO_ANIMATION_FPS);
  return Math.min(
    DEMO_ANIMATION_FRAME_LIMITS.max,
    Math.max(DEMO_ANIMATION_FRAME_LIMITS.min, Number.isFinite(wanted) ? wanted : 0),
  );
}

/**
 * The demo "video": a seamlessly looping animated GIF of the demo scene for the prompt (ridges
 * and clouds sway, stars twinkle), with a "DEMO VIDEO" badge and the prompt's first words.
 * Honest about what it is: `mime` is `image/gif`, not a video type. Deterministic: the same input
 * gives the same bytes. Duration maps to frames at {@link DEMO_ANIMATION_FPS}, within
 * {@link DEMO_ANIMATION_FRAME_LIMITS}.
 */
export function renderDemoAnimation(input: DemoAnimationInput): MediaFile {
  const { width, height } = computeDemoSize(input.aspectRatio, input.longEdge ?? DEMO_ANIMATION_LONG_EDGE);
  const scene = designDemoScene(mixSeeds(hashString(input.prompt), input.seed ?? 0, 2));
  const frameCount = countDemoAnimationFrames(input.durationSeconds);
  const frames = Array.from({ length: frameCount }, (_, index) => {
    const raster = createRaster(width, height);
    paintDemoScene(raster, scene, index / frameCount);
    drawDemoBadge(raster, 'DEMO VIDEO');
    drawDemoCaption(raster, input.prompt);
    return raster;
  });
  const bytes = encodeGif(frames, { delayCentiseconds: 100 / DEMO_ANIMATION_FPS, comment: DEMO_SOFTWARE });
  return { bytes, mime: 'image/gif', width, height };
}
