import { createHmac, timingSafeEqual } from 'node:crypto';

// Versioned, so a future change of what is signed cannot accept old signatures by accident.
const PURPOSE = 'media-url:v1';
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const EXP_PATTERN = /^\d{1,12}$/;

function signatureFor(assetId: string, exp: number, secret: string): Buffer {
  if (!secret) throw new Error('A media URL secret is required');
  return createHmac('sha256', secret).update(`${PURPOSE}\n${assetId}\n${exp}`).digest();
}

/**
 * A link to a stored asset that works without a session until `expiresAt`:
 * `${baseUrl}/media/${assetId}?exp=<unix seconds>&sig=<HMAC-SHA256, base64url>`. Chat platforms
 * fetch result media by URL and users share links, so the link itself must carry the permission,
 * and expire so a leaked link stops working.
 */
export function signMediaUrl(input: { baseUrl: string; assetId: string; secret: string; expiresAt: Date }): string {
  const exp = Math.floor(input.expiresAt.getTime() / 1000);
  const sig = signatureFor(input.assetId, exp, input.secret).toString('base64url');
  return `${input.baseUrl.replace(/\/+$/, '')}/media/${encodeURIComponent(input.assetId)}?exp=${exp}&sig=${sig}`;
}

/**
 * Whether a link's `exp` and `sig` were made by {@link signMediaUrl} for `assetId` with `secret`
 * and `now` is before `exp`. The comparison takes the same time whatever the signature, so a
 * signature cannot be guessed byte by byte; malformed input is just `false`.
 */
export function verifyMediaSignature(input: {
  assetId: string;
  exp: string | number;
  sig: string;
  secret: string;
  now: Date;
}): boolean {
  const expText = String(input.exp);
  if (!EXP_PATTERN.test(expText) || !SIGNATURE_PATTERN.test(input.sig)) return false;
  const exp = Number(expText);
  if (exp * 1000 <= input.now.getTime()) return false;
  // Compared as text: base64url decoding ignores the last character's spare bits, so comparing
  // decoded bytes would accept several spellings of one signature.
  const expected = Buffer.from(signatureFor(input.assetId, exp, input.secret).toString('base64url'));
  return timingSafeEqual(Buffer.from(input.sig), expected);
}
