import { createRandom, mixSeeds, type Random } from '#core/providers/demo/seeded-random';
import type { Rgb } from '#core/providers/demo/raster';

/**
 * Decides what a demo picture shows, from a seed alone: a palette, a sun or moon, layered
 * ridges, clouds and sometimes stars. Positions are fractions of the picture (x of the width,
 * y of the height, sizes of the shorter edge), so one design paints at any aspect ratio.
 */

/** The colours of one scene. */
export type DemoPalette = {
  readonly skyTop: Rgb;
  readonly skyHorizon: Rgb;
  readonly sun: Rgb;
  readonly farRidge: Rgb;
  readonly nearRidge: Rgb;
  readonly cloud: Rgb;
  readonly isNight: boolean;
};

/** One sine component of a ridge line; `cycles` is whole so the ridge wraps around seamlessly. */
export type RidgeWave = { readonly cycles: number; readonly amplitude: number; readonly phase: number };

/** A band of mountains or hills, far ones first. */
export type DemoRidge = {
  readonly base: number;
  readonly waves: readonly RidgeWave[];
  readonly isPeaked: boolean;
  /** 0 for the farthest ridge, 1 for the nearest. */
  readonly depth: number;
  /** How far (fraction of the width) the ridge sways in an animation: near ones more. */
  readonly sway: number;
};

/** One puff of a cloud, relative to the cloud's centre, in fractions of the shorter edge. */
export type CloudPuff = { readonly dx: number; readonly dy: number; readonly radius: number };

/** A cloud made of soft overlapping puffs. */
export type DemoCloud = {
  readonly x: number;
  readonly y: number;
  readonly alpha: number;
  readonly puffs: readonly CloudPuff[];
  readonly sway: number;
};

/** A star: position, size in pixels at a 768 px long edge, brightness and twinkle phase. */
export type DemoStar = {
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly brightness: number;
  readonly twinkle: number;
};

/** Everything needed to paint one demo scene at any size and animation phase. */
export type DemoScene = {
  readonly palette: DemoPalette;
  readonly horizon: number;
  readonly sun: { readonly x: number; readonly y: number; readonly radius: number };
  readonly ridges: readonly DemoRidge[];
  readonly clouds: readonly DemoCloud[];
  readonly stars: readonly DemoStar[];
};

type PaletteSeed = Omit<DemoPalette, 'isNight'> & { isNight?: boolean };

const PALETTES: readonly PaletteSeed[] = [
  {
    skyTop: hex('#2b2d64'),
    skyHorizon: hex('#f7a072'),
    sun: hex('#ffe8c2'),
    farRidge: hex('#b56576'),
    nearRidge: hex('#2a1f3d'),
    cloud: hex('#f9c6a8'),
  },
  {
    skyTop: hex('#1f4e5f'),
    skyHorizon: hex('#c8f0d8'),
    sun: hex('#fffbe0'),
    farRidge: hex('#6fb3a5'),
    nearRidge: hex('#143d3c'),
    cloud: hex('#e6fff2'),
  },
  {
    skyTop: hex('#241e4e'),
    skyHorizon: hex('#e8a0bf'),
    sun: hex('#fff0f5'),
    farRidge: hex('#8e6fb5'),
    nearRidge: hex('#1d1537'),
    cloud: hex('#f4c7dc'),
  },
  {
    skyTop: hex('#3d7cc9'),
    skyHorizon: hex('#f3e3c3'),
    sun: hex('#fffdf0'),
    farRidge: hex('#d09a6b'),
    nearRidge: hex('#6b3e26'),
    cloud: hex('#ffffff'),
  },
  {
    skyTop: hex('#0b1026'),
    skyHorizon: hex('#27547a'),
    sun: hex('#f2f5ff'),
    farRidge: hex('#1f3b57'),
    nearRidge: hex('#070b17'),
    cloud: hex('#4a6a8a'),
    isNight: true,
  },
  {
    skyTop: hex('#4a2c2a'),
    skyHorizon: hex('#ffb347'),
    sun: hex('#fff3c4'),
    farRidge: hex('#c0603a'),
    nearRidge: hex('#3b1f1a'),
    cloud: hex('#ffd8a8'),
  },
  {
    skyTop: hex('#4b6f96'),
    skyHorizon: hex('#e9f3fb'),
    sun: hex('#ffffff'),
    farRidge: hex('#9db8d3'),
    nearRidge: hex('#2d4560'),
    cloud: hex('#ffffff'),
  },
  {
    skyTop: hex('#355c7d'),
    skyHorizon: hex('#f2e9c9'),
    sun: hex('#fff8dc'),
    farRidge: hex('#7a9e7e'),
    nearRidge: hex('#1e3a2b'),
    cloud: hex('#fdf6e3'),
  },
  {
    skyTop: hex('#12002b'),
    skyHorizon: hex('#ff5ea8'),
    sun: hex('#ffd36e'),
    farRidge: hex('#7b2cbf'),
    nearRidge: hex('#10002b'),
    cloud: hex('#ff9ecf'),
    isNight: true,
  },
];

/** Steps through the palettes from one variant to the next; coprime with their count. */
const PALETTE_STEP = 4;

/**
 * Designs a scene from `seed` and `variant`. The same pair always gives the same scene; any other
 * pair gives an unrelated layout. The palette comes from a short list of hand-picked ones,
 * hue-shifted a little, so every picture looks intended rather than random. Variants 0..3 of one
 * seed (the pictures of one request) always get four different palettes.
 */
export function designDemoScene(seed: number, variant = 0): DemoScene {
  const random = createRandom(mixSeeds(seed, variant));
  const firstPalette = Math.floor(createRandom(seed)() * PALETTES.length);
  const chosen = PALETTES[(firstPalette + variant * PALETTE_STEP) % PALETTES.length]!;
  const hueShift = (random() - 0.5) * 36;
  const palette: DemoPalette = {
    skyTop: rotateHue(chosen.skyTop, hueShift),
    skyHorizon: rotateHue(chosen.skyHorizon, hueShift),
    sun: rotateHue(chosen.sun, hueShift),
    farRidge: rotateHue(chosen.farRidge, hueShift),
    nearRidge: rotateHue(chosen.nearRidge, hueShift),
    cloud: rotateHue(chosen.cloud, hueShift),
    isNight: chosen.isNight ?? false,
  };
  const horizon = between(random, 0.52, 0.66);
  const sun = {
    x: between(random, 0.15, 0.85),
    y: between(random, 0.16, horizon - 0.1),
    radius: palette.isNight ? between(random, 0.045, 0.07) : between(random, 0.07, 0.12),
  };
  const ridgeCount = 3 + Math.floor(random() * 3);
  const ridges = Array.from({ length: ridgeCount }, (_, index) => designRidge(random, horizon, index, ridgeCount));
  const cloudCount = Math.floor(random() * (palette.isNight ? 2 : 5));
  const clouds = Array.from({ length: cloudCount }, () => designCloud(random, horizon));
  const starCount = palette.isNight ? 70 + Math.floor(random() * 80) : 0;
  const stars = Array.from({ length: starCount }, () => ({
    x: random(),
    y: random() * horizon * 0.9,
    size: random() < 0.15 ? 2 : 1,
    brightness: between(random, 0.35, 1),
    twinkle: random(),
  }));
  return { palette, horizon, sun, ridges, clouds, stars };
}

function designRidge(random: Random, horizon: number, index: number, count: number): DemoRidge {
  const depth = count === 1 ? 1 : index / (count - 1);
  const base = horizon + (0.97 - horizon) * (0.15 + 0.85 * depth) - 0.02;
  const height = (1 - depth) * between(random, 0.12, 0.22) + depth * between(random, 0.04, 0.08);
  const firstCycles = 1 + Math.floor(random() * 3);
  const waves: RidgeWave[] = [
    { cycles: firstCycles, amplitude: height * 0.6, phase: random() },
    { cycles: firstCycles + 2 + Math.floor(random() * 3), amplitude: height * 0.28, phase: random() },
    { cycles: 9 + Math.floor(random() * 8), amplitude: height * 0.12, phase: random() },
  ];
  return { base, waves, isPeaked: random() < 0.7 - 0.5 * depth, depth, sway: 0.004 + 0.03 * depth * depth };
}

function designCloud(random: Random, horizon: number): DemoCloud {
  const puffCount = 4 + Math.floor(random() * 4);
  const spread = between(random, 0.18, 0.34);
  const puffs = Array.from({ length: puffCount }, (_, index) => {
    const along = puffCount === 1 ? 0 : index / (puffCount - 1) - 0.5;
    const radius = spread * (0.14 + 0.2 * (1 - Math.abs(along) * 1.6)) * between(random, 0.8, 1.2);
    return { dx: along * spread, dy: -radius * between(random, 0.1, 0.5), radius };
  });
  return {
    x: random(),
    y: between(random, 0.08, horizon - 0.12),
    alpha: between(random, 0.18, 0.32),
    puffs,
    sway: between(random, 0.01, 0.025),
  };
}

function between(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

function hex(code: string): Rgb {
  const value = Number.parseInt(code.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** Rotates a colour's hue by `degrees` around the grey axis, keeping its lightness. */
function rotateHue(color: Rgb, degrees: number): Rgb {
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const third = 1 / 3;
  const root = Math.sqrt(third);
  const a = cos + (1 - cos) * third;
  const b = third * (1 - cos) - root * sin;
  const c = third * (1 - cos) + root * sin;
  const [red, green, blue] = color;
  return [
    clampByte(red * a + green * b + blue * c),
    clampByte(red * c + green * a + blue * b),
    clampByte(red * b + green * c + blue * a),
  ];
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
