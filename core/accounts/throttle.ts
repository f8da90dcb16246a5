import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import type { TakeRule } from '#core/infra/rate-limit/rate-limiter';

/** Password sign-in attempts per account (by email) and per IP. */
export const SIGN_IN_RULES = {
  perAccount: { points: 5, perMs: 15 * 60_000 },
  perIp: { points: 30, perMs: 15 * 60_000 },
} as const;
/** Password reset attempts (a link and a new password posted) per IP and per link. */
export const RESET_RULES = {
  perIp: { points: 10, perMs: 15 * 60_000 },
  perToken: { points: 5, perMs: 15 * 60_000 },
} as const;
/** Registrations per IP. */
export const REGISTER_RULE: TakeRule = { points: 20, perMs: 60 * 60_000 };
/** Emails we send on request (reset links, verification, data requests) per address and per IP. */
export const MAIL_RULES = {
  perAddress: { points: 3, perMs: 60 * 60_000 },
  perIp: { points: 20, perMs: 60 * 60_000 },
} as const;

/**
 * Takes one attempt from each named window (through the shared rate limiter, so the windows
 * hold across processes) or throws `code` with the seconds until the next attempt is allowed.
 * Every window is taken, so an attacker spreading attempts is still counted everywhere.
 */
export async function takeAttempts(
  deps: Pick<CoreDeps, 'limiter'>,
  windows: readonly { key: string; rule: TakeRule }[],
  code: 'login_throttled' | 'rate_limited' = 'rate_limited',
): Promise<void> {
  let waitMs = 0;
  for (const window of windows) {
    const result = await deps.limiter.tryTake(window.key, window.rule);
    if (!result.allowed) waitMs = Math.max(waitMs, result.retryAfterMs);
  }
  if (waitMs > 0) throw new AppError(code, { vars: { seconds: Math.max(1, Math.ceil(waitMs / 1000)) } });
}
