import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from '#core/accounts/password-hash';

describe('password hashing (scrypt, versioned, salted)', () => {
  it('makes a versioned, salted hash that verifies only the right password', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$v1\$N=32768,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{88}$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('correct horse batterY', first)).toBe(false);
    expect(await verifyPassword('', first)).toBe(false);
    expect(needsRehash(first)).toBe(false);
  });

  it('verifies hashes made with older, weaker parameters and says they need upgrading', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('old password', salt, 64, { N: 2 ** 14, r: 8, p: 1 });
    const old = `scrypt$v1$N=16384,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('old password', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });

  it('treats unreadable or absurd stored values as a mismatch, never an error', async () => {
    expect(await verifyPassword('x', 'plain-text-password')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$v1$N=1099511627776,r=8,p=1$AAAA$AAAA')).toBe(false);
    expect(needsRehash('bcrypt$whatever')).toBe(true);
  });
});
