import { randomInt } from 'node:crypto';
import type { PrismaClient } from '#core/infra/db/create-database';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';

/** Letters and digits a code is made of: lower case, without look-alikes (0/o, 1/l/i). */
const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const CODE_LENGTH = 8;
const CODE_PATTERN = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);
/** The prefix of a Telegram `/start` payload that carries a code (`/start ref_<code>`). */
export const START_PAYLOAD_PREFIX = 'ref_';

/** A new random invite code (8 characters of a 31-letter alphabet: about 8.5e11 codes). */
export function newReferralCode(): string {
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index += 1) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * A code as typed or carried by a link, normalized (trimmed, lower case), or undefined when it
 * cannot be a code at all. Whether an account has it is for the caller to look up.
 */
export function normalizeReferralCode(raw: string | undefined): string | undefined {
  const code = (raw ?? '').trim().toLowerCase();
  return CODE_PATTERN.test(code) ? code : undefined;
}

/**
 * The account's own invite code, made on first use. Two concurrent first uses agree on one code
 * (only an empty column is written); a clash with another account's code draws again.
 */
export async function ensureReferralCode(prisma: PrismaClient, userId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { referralCode: true } });
    if (user.referralCode) return user.referralCode;
    try {
      await prisma.user.updateMany({
        where: { id: userId, referralCode: null },
        data: { referralCode: newReferralCode() },
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error(`could not draw a free referral code for ${userId}`);
}
