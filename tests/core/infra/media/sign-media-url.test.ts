import { describe, expect, it } from 'vitest';
import { signMediaUrl, verifyMediaSignature } from '#core/infra/media/sign-media-url';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const ASSET_ID = '0b6f3f5e-8d1c-4a59-9a43-0f7b7c2a9e11';
const NOW = new Date('2025-03-09T12:00:00Z');
const EXPIRES_AT = new Date('2025-03-16T12:00:00Z');

function signedParts(url: string): { assetId: string; exp: string; sig: string } {
  const parsed = new URL(url);
  return {
    assetId: decodeURIComponent(parsed.pathname.split('/').pop()!),
    exp: parsed.searchParams.get('exp')!,
    sig: parsed.searchParams.get('sig')!,
  };
}

describe('signed media URLs', () => {
  const url = signMediaUrl({
    baseUrl: 'https://imagine.example/',
    assetId: ASSET_ID,
    secret: SECRET,
    expiresAt: EXPIRES_AT,
  });
  const parts = signedParts(url);

  it('builds /media/<id>?exp=<unix seconds>&sig=<base64url> that verifies until it expires', () => {
    expect(url).toMatch(
      new RegExp(
        `^https://imagine\\.example/media/${ASSET_ID}\\?exp=${EXPIRES_AT.getTime() / 1000}&sig=[A-Za-z0-9_-]{43}$`,
      ),
    );
    expect(verifyMediaSignature({ ...parts, secret: SECRET, now: NOW })).toBe(true);
    expect(
      verifyMediaSignature({
        ...parts,
        exp: Number(parts.exp),
        secret: SECRET,
        now: new Date(EXPIRES_AT.getTime() - 1000),
      }),
    ).toBe(true);
  });

  it('refuses an expired link', () => {
    expect(verifyMediaSignature({ ...parts, secret: SECRET, now: EXPIRES_AT })).toBe(false);
    expect(verifyMediaSignature({ ...parts, secret: SECRET, now: new Date(EXPIRES_AT.getTime() + 1) })).toBe(false);
  });

  it('refuses a link whose id, expiry or signature was changed, or made with another secret', () => {
    const otherId = ASSET_ID.replace(/1$/, '2');
    const flipped = parts.sig.startsWith('A') ? `B${parts.sig.slice(1)}` : `A${parts.sig.slice(1)}`;
    expect(verifyMediaSignature({ ...parts, assetId: otherId, secret: SECRET, now: NOW })).toBe(false);
    expect(verifyMediaSignature({ ...parts, exp: String(Number(parts.exp) + 3600), secret: SECRET, now: NOW })).toBe(
      false,
    );
    expect(verifyMediaSignature({ ...parts, sig: flipped, secret: SECRET, now: NOW })).toBe(false);
    expect(verifyMediaSignature({ ...parts, secret: `${SECRET}!`, now: NOW })).toBe(false);
  });

  it('refuses malformed input without throwing', () => {
    // The last character's spare bit flipped: same decoded bytes, different text. Only the exact text passes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = parts.sig.slice(0, -1) + alphabet[alphabet.indexOf(parts.sig.at(-1)!) ^ 1]!;
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(parts.sig, 'base64url'));
    for (const input of [
      { ...parts, sig: `${parts.sig}=` },
      { ...parts, sig: parts.sig.slice(0, 42) },
      { ...parts, sig: '' },
      { ...parts, sig: respelled },
      { ...parts, exp: '' },
      { ...parts, exp: '1e12' },
      { ...parts, exp: `${parts.exp}.5` },
      { ...parts, exp: '-1' },
    ]) {
      expect(verifyMediaSignature({ ...input, secret: SECRET, now: NOW }), JSON.stringify(input)).toBe(false);
    }
  });
});
