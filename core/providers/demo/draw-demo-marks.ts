import {
  drawableText,
  drawText,
  GLYPH_ADVANCE,
  LINE_ADVANCE,
  measureText,
  wrapText,
} from '#core/providers/demo/bitmap-font';
import { fillRect, type Raster, type Rgb } from '#core/providers/demo/raster';

/**
 * The marks that say "this is a demo": a yellow badge in the top-left corner, the start of the
 * prompt along the bottom, and for edits a frame. Drawn over the scene, sized from the long edge
 * so they read the same at every resolution.
 */

/** Fill of the badge; a colour the scenes never produce at full opacity, so it is easy to find. */
export const DEMO_BADGE_COLOR: Rgb = [255, 209, 64];
/** Text of the badge. */
export const DEMO_BADGE_TEXT_COLOR: Rgb = [24, 22, 32];
/** Text of the caption along the bottom. */
export const DEMO_CAPTION_COLOR: Rgb = [255, 255, 255];
/** Colour of the frame around an edited picture. */
export const DEMO_FRAME_COLOR: Rgb = [250, 246, 236];

const SHADOW: Rgb = [0, 0, 0];
const CAPTION_LINES = 2;

/** Where the badge goes and how big its letters are, in pixels. */
export type BadgeLayout = {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  readonly textX: number;
  readonly textY: number;
};

/** The thickness of the frame drawn around edited pictures of this size. */
export function computeFrameThickness(width: number, height: number): number {
  return Math.max(4, Math.round(Math.min(width, height) / 36));
}

/** Lays out the badge reading `label` on a picture of this size, `inset` pixels in from the edge. */
export function layoutDemoBadge(width: number, height: number, label: string, inset = 0): BadgeLayout {
  const scale = Math.max(2, Math.round(Math.max(width, height) / 192));
  const padding = 2 * scale;
  const text = measureText(label, scale);
  const x = inset + 3 * scale;
  const y = inset + 3 * scale;
  return {
    x,
    y,
    width: text.width + 2 * padding,
    height: text.height + 2 * padding,
    scale,
    textX: x + padding,
    textY: y + padding,
  };
}

/** Draws the badge: a soft shadow, a notched yellow plate and the label in dark letters. */
export function drawDemoBadge(raster: Raster, label: string, inset = 0): void {
  const badge = layoutDemoBadge(raster.width, raster.height, label, inset);
  const notch = badge.scale;
  fillRect(raster, badge.x + notch, badge.y + notch, badge.width, badge.height, SHADOW, 0.25);
  fillRect(raster, badge.x + notch, badge.y, badge.width - 2 * notch, badge.height, DEMO_BADGE_COLOR);
  fillRect(raster, badge.x, badge.y + notch, notch, badge.height - 2 * notch, DEMO_BADGE_COLOR);
  fillRect(raster, badge.x + badge.width - notch, badge.y + notch, notch, badge.height - 2 * notch, DEMO_BADGE_COLOR);
  drawText(raster, label, badge.textX, badge.textY, badge.scale, DEMO_BADGE_TEXT_COLOR);
}

/** Where the caption goes: its lines, letter size, and the band behind them, in pixels. */
export type CaptionLayout = {
  readonly lines: readonly string[];
  readonly scale: number;
  readonly textX: number;
  /** Top of each line's letters. */
  readonly lineY: readonly number[];
  readonly bandTop: number;
  readonly bandHeight: number;
};

/**
 * Lays out as much of the prompt as fits in two lines along the bottom of a picture of this
 * size, `inset` pixels in from the edge; the last line ends in "..." when the prompt is longer.
 * Only what the font draws is written ({@link drawableText}): no boxes for other scripts.
 */
export function layoutDemoCaption(width: number, height: number, prompt: string, inset = 0): CaptionLayout {
  const scale = Math.max(1, Math.round(Math.max(width, height) / 256));
  const textX = inset + 4 * scale;
  const maxChars = Math.floor((width - 2 * textX + scale) / (GLYPH_ADVANCE * scale));
  const lines = wrapText(drawableText(prompt), maxChars, CAPTION_LINES);
  const padding = 3 * scale;
  const bandHeight = lines.length === 0 ? 0 : lines.length * LINE_ADVANCE * scale - 3 * scale + 2 * padding;
  const bandTop = height - inset - bandHeight;
  const lineY = lines.map((_, index) => bandTop + padding + index * LINE_ADVANCE * scale);
  return { lines, scale, textX, lineY, bandTop, bandHeight };
}

/**
 * Writes the start of the prompt along the bottom, white on a darkened band (see
 * {@link layoutDemoCaption}). The font is ASCII only: other characters are left out.
 */
export function drawDemoCaption(raster: Raster, prompt: string, inset = 0): void {
  const caption = layoutDemoCaption(raster.width, raster.height, prompt, inset);
  if (caption.lines.length === 0) return;
  fillRect(raster, inset, caption.bandTop, raster.width - 2 * inset, caption.bandHeight, SHADOW, 0.45);
  const shadowOffset = Math.max(1, Math.round(caption.scale / 2));
  caption.lines.forEach((line, index) => {
    const y = caption.lineY[index]!;
    drawText(raster, line, caption.textX + shadowOffset, y + shadowOffset, caption.scale, SHADOW);
    drawText(raster, line, caption.textX, y, caption.scale, DEMO_CAPTION_COLOR);
  });
}

/** Draws a plain frame `thickness` pixels wide around the picture, like a print's border. */
export function drawDemoFrame(raster: Raster, thickness: number): void {
  const { width, height } = raster;
  fillRect(raster, 0, 0, width, thickness, DEMO_FRAME_COLOR);
  fillRect(raster, 0, height - thickness, width, thickness, DEMO_FRAME_COLOR);
  fillRect(raster, 0, thickness, thickness, height - 2 * thickness, DEMO_FRAME_COLOR);
  fillRect(raster, width - thickness, thickness, thickness, height - 2 * thickness, DEMO_FRAME_COLOR);
  fillRect(raster, thickness, thickness, width - 2 * thickness, 1, SHADOW, 0.3);
  fillRect(raster, thickness, thickness + 1, 1, height - 2 * thickness - 1, SHADOW, 0.3);
}
