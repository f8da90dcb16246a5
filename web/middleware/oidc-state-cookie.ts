import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** How long a Google sign-in may take between our redirect and the callback. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;

/** The cookie's name: `__Host-` in production (Secure, whole site, no Domain: subdomains cannot set it). */
export function oidcStateCookieName(isSecure: boolean): string {
  return isSecure ? '__Host-oidc' : 'oidc';
}

const OidcStateSchema = z.object({
  state: z.string().min(1).max(200),
  nonce: z.string().min(1).max(200),
  verifier: z.string().min(43).max(128),
  returnTo: z.string().max(500),
  exp: z.number().int(),
});

/** A Google sign-in in progress, carried by the browser between the redirect and the callback. */
export type OidcState = Omit<z.infer<typeof OidcStateSchema>, 'exp'>;

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`oidc-state:v1:${payload}`).digest();
}

/**
 * The cookie value for a sign-in in progress: the state, nonce, PKCE verifier and where to go
 * next, with an expiry, signed with an HMAC under the session secret. Carrying it in the browser
 * means an anonymous visitor who only starts a sign-in stores nothing on the server.
 */
export function sealOidcState(secret: string, state: OidcState, nowMs: number): string {
  const payload = Buffer.from(JSON.stringify({ ...state, exp: nowMs + OIDC_STATE_TTL_MS })).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/** The sign-in a cookie value carries, or undefined when it is missing, altered, malformed or expired. */
export function openOidcState(secret: string, value: string | undefined, nowMs: number): OidcState | undefined {
  const [payload, signature, extra] = (value ?? '').split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const result = OidcStateSchema.safeParse(parsed);
  if (!result.success || result.data.exp <= nowMs) return undefined;
  const { exp: _exp, ...state } = result.data;
  return state;
}
