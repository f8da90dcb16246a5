import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where browser tests save their screenshots (kept by CI as test artifacts). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../artifacts');

/** Chromium from the distribution (CI installs it), headless and quiet: no sandbox, GPU, QUIC or background traffic. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts the machine's Chromium (`/usr/bin/chromium`) for a browser test. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
