import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';

/** How long a pricing link from a chat works. */
export const PRICING_LINK_TTL_MS = 30 * 60 * 1000;

// Versioned, so a future change of what is signed cannot accept old links by accident.
const PURPOSE = 'pricing-link:v1';
const TOKEN_PATTERN = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

function sign(secret: string, userId: string, exp: number): string {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${userId}\n${exp}`).digest('base64url');
}

/**
 * The pricing page address a chat's /buy button opens: `${PUBLIC_URL}/pricing?t=<userId>.<exp>.<HMAC>`,
 * signed with SESSION_SECRET and valid 30 minutes, so buying from a chat needs no web sign-in.
 * The link only lets its holder pay for that account's credits.
 */
export function createPricingUrl(deps: Pick<CoreDeps, 'config' | 'clock'>, userId: string): string {
  return `${deps.config.publicUrl}/pricing?t=${createPricingToken(deps, userId)}`;
}

/** The `t` of {@link createPricingUrl}: `<userId>.<exp>.<HMAC>`. */
export function createPricingToken(deps: Pick<CoreDeps, 'config' | 'clock'>, userId: string): string {
  const exp = Math.floor((deps.clock.now().getTime() + PRICING_LINK_TTL_MS) / 1000);
  return `${userId}.${exp}.${sign(deps.config.sessionSecret, userId, exp)}`;
}

/** The account a pricing link names, when its signature is right and it has not expired; else undefined. */
export function verifyPricingToken(deps: Pick<CoreDeps, 'config' | 'clock'>, token: string): string | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const [, userId = '', expText = '', sig = ''] = match;
  const exp = Number(expText);
  if (exp * 1000 <= deps.clock.now().getTime()) return undefined;
  const expected = Buffer.from(sign(deps.config.sessionSecret, userId, exp));
  return timingSafeEqual(Buffer.from(sig), expected) ? userId : undefined;
}
