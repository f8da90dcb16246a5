import type { DemoRidge, DemoScene } from '#core/providers/demo/design-demo-scene';
import {
  addGlow,
  applyVignette,
  fillBelowRidge,
  fillRect,
  fillRows,
  fillSoftCircle,
  mixRgb,
  type Raster,
  type Rgb,
} from '#core/providers/demo/raster';

const WHITE: Rgb = [255, 255, 255];
const TAU = Math.PI * 2;

/**
 * Paints `scene` over the whole raster. `phase` (0..1) is the point in an animation loop: ridges
 * and clouds sway, stars twinkle and the sun's haze breathes, all along sine curves so that
 * phase 1 looks exactly like phase 0 and the loop has no seam. A still picture uses phase 0.
 */
export function paintDemoScene(raster: Raster, scene: DemoScene, phase = 0): void {
  const { width, height } = raster;
  const { palette } = scene;
  const shortEdge = Math.min(width, height);
  const pixelScale = Math.max(width, height) / 768;
  const swing = Math.sin(TAU * phase);
  const horizonRow = scene.horizon * height;

  fillRows(raster, 0, height, (row) =>
    mixRgb(palette.skyTop, palette.skyHorizon, Math.min(1, row / horizonRow) ** 1.4),
  );

  for (const star of scene.stars) {
    const size = Math.max(1, Math.round(star.size * pixelScale));
    const alpha = star.brightness * (0.65 + 0.35 * Math.sin(TAU * (phase + star.twinkle)));
    fillRect(raster, star.x * width, star.y * height, size, size, mixRgb(palette.sun, WHITE, 0.5), alpha);
  }

  const sunX = scene.sun.x * width;
  const sunY = scene.sun.y * height;
  const sunRadius = scene.sun.radius * shortEdge;
  addGlow(raster, sunX, sunY, sunRadius * 5, palette.skyHorizon, 0.35 + 0.04 * swing);
  addGlow(raster, sunX, sunY, sunRadius * 2.2, palette.sun, 0.45 + 0.05 * swing);
  fillSoftCircle(raster, sunX, sunY, sunRadius, palette.sun, 1, 1.2 * pixelScale);
  if (palette.isNight) paintCraters(raster, sunX, sunY, sunRadius, palette.skyTop);

  for (const cloud of scene.clouds) {
    const centerX = (cloud.x + cloud.sway * swing) * width;
    const centerY = cloud.y * height;
    for (const puff of cloud.puffs) {
      const radius = puff.radius * shortEdge;
      fillSoftCircle(
        raster,
        centerX + puff.dx * shortEdge,
        centerY + puff.dy * shortEdge,
        radius,
        palette.cloud,
        cloud.alpha,
        radius * 0.35,
      );
    }
  }

  const ridgeLine = new Float64Array(width);
  const rowColors = new Float64Array(height * 3);
  for (const ridge of scene.ridges) {
    traceRidge(ridgeLine, ridge, height, ridge.sway * swing);
    shadeRidge(rowColors, ridge, scene, height);
    fillBelowRidge(raster, ridgeLine, rowColors);
  }

  applyVignette(raster, 0.35);
}

function traceRidge(ridgeLine: Float64Array, ridge: DemoRidge, height: number, offset: number): void {
  const width = ridgeLine.length;
  for (let column = 0; column < width; column++) {
    const u = column / width + offset;
    let y = ridge.base;
    for (let index = 0; index < ridge.waves.length; index++) {
      const wave = ridge.waves[index]!;
      const sine = Math.sin(TAU * (wave.cycles * u + wave.phase));
      const shape = ridge.isPeaked && index < 2 ? 1 - Math.abs(sine) : 0.5 + 0.5 * sine;
      y -= wave.amplitude * shape;
    }
    ridgeLine[column] = y * height;
  }
}

/**
 * Row colours of one ridge: its own colour at the crest, fading into valley fog (the horizon
 * colour) towards its foot, so the next, darker ridge stands out against it. Near ridges get less
 * fog than far ones: that difference is what reads as depth.
 */
function shadeRidge(rowColors: Float64Array, ridge: DemoRidge, scene: DemoScene, height: number): void {
  const { palette } = scene;
  const body = mixRgb(palette.farRidge, palette.nearRidge, ridge.depth);
  const fog = mixRgb(palette.skyHorizon, palette.farRidge, 0.25);
  const fogAmount = 0.6 * (1 - 0.75 * ridge.depth);
  const crest = ridge.base - ridge.waves.reduce((sum, wave) => sum + wave.amplitude, 0);
  const span = ridge.base + 0.04 - crest;
  for (let row = 0; row < height; row++) {
    const t = Math.max(0, Math.min(1, (row / height - crest) / span));
    const color = mixRgb(body, fog, fogAmount * t * t * (3 - 2 * t));
    rowColors[row * 3] = color[0];
    rowColors[row * 3 + 1] = color[1];
    rowColors[row * 3 + 2] = color[2];
  }
}

function paintCraters(raster: Raster, centerX: number, centerY: number, radius: number, shade: Rgb): void {
  const craters: readonly (readonly [number, number, number])[] = [
    [-0.3, -0.2, 0.22],
    [0.25, 0.3, 0.16],
    [0.35, -0.35, 0.1],
  ];
  for (const [dx, dy, size] of craters) {
    fillSoftCircle(
      raster,
      centerX + dx * radius,
      centerY + dy * radius,
      size * radius,
      shade,
      0.12,
      size * radius * 0.4,
    );
  }
}
