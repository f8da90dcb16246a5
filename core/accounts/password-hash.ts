import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard; https://nodejs.org/api/crypto.html#cryptoscryptpassword-salt-keylen-options-callback).
 * The stored string names its version and parameters, `scrypt$v1$N=32768,r=8,p=1$<salt>$<hash>`,
 * so parameters can be raised later and old hashes still verify (and are re-hashed on login).
 */
const CURRENT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;
// 128 * N * r bytes are needed (32 MiB for the current parameters); Node's default cap is 32 MiB.
const MAX_MEMORY = 128 * 1024 * 1024;
const PATTERN = /^scrypt\$v1\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** The shortest password accepted at registration and reset. */
export const MIN_PASSWORD_LENGTH = 10;
/** The longest (scrypt takes any length; this keeps a request from hashing megabytes). */
export const MAX_PASSWORD_LENGTH = 200;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: MAX_MEMORY };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** A new salted hash of `password` in the versioned format. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, CURRENT);
  return `scrypt$v1$N=${CURRENT.N},r=${CURRENT.r},p=${CURRENT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Whether `password` matches `stored`. The comparison takes the same time for any wrong
 * password; an unreadable stored value is simply `false`.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = PATTERN.exec(stored);
  if (!match) return false;
  const [, n, r, p, saltText, keyText] = match;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (params.N > 2 ** 20 || params.r > 32 || params.p > 16) return false;
  const expected = Buffer.from(keyText ?? '', 'base64');
  const actual = await derive(password, Buffer.from(saltText ?? '', 'base64'), params);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether a stored hash uses weaker parameters than today's (re-hash it after a good login). */
export function needsRehash(stored: string): boolean {
  const match = PATTERN.exec(stored);
  return !match || Number(match[1]) < CURRENT.N || Number(match[2]) < CURRENT.r || Number(match[3]) < CURRENT.p;
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification when there is no account to check, so a response time does
 * not tell whether an email is registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('not-a-real-password-for-timing');
  await verifyPassword(password, await dummyHash);
  return false;
}
