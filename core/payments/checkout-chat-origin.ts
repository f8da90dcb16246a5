import { z } from 'zod';
import type { CoreDeps } from '#core/core-deps';
import { hashToken } from '#core/accounts/create-link-token';
import type { DeliveryTarget } from '#core/generation/delivery-target';
import { normalizeLocale } from '#core/i18n/locales';
import { PRICING_LINK_TTL_MS } from '#core/payments/stripe-pricing-link';

/** The chat a card purchase started from (a /buy link): where its credits are announced. */
export const ChatOriginSchema = z.object({
  platform: z.enum(['telegram', 'discord']),
  chatId: z.string().regex(/^-?\d{1,25}$/),
  chatType: z.enum(['private', 'group', 'channel']),
  platformUserId: z.string().regex(/^\d{1,25}$/),
  locale: z.string().max(35),
});
export type ChatOrigin = z.infer<typeof ChatOriginSchema>;

/** The Stripe metadata keys that carry the origin (set by us when the session is created). */
const METADATA_KEYS = {
  platform: 'chatPlatform',
  chatId: 'chatId',
  chatType: 'chatType',
  platformUserId: 'chatUserId',
  locale: 'chatLocale',
} as const;

/**
 * Remembers the chat a /buy pricing link was given in, for as long as the link works. Stored as
 * a `checkout` one-time token under the hash of the link's token (so the expired rows go with the
 * retention of tokens); the link itself does not change.
 */
export async function rememberChatOrigin(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { pricingToken: string; userId: string; origin: ChatOrigin },
): Promise<void> {
  const tokenHash = hashToken(`pricing:${input.pricingToken}`);
  const expiresAt = new Date(deps.clock.now().getTime() + PRICING_LINK_TTL_MS);
  const payload = ChatOriginSchema.parse(input.origin);
  await deps.prisma.oneTimeToken.upsert({
    where: { tokenHash },
    create: { kind: 'checkout', tokenHash, userId: input.userId, payload, expiresAt },
    update: { payload, expiresAt },
  });
}

/** The chat a pricing link was given in, when the link's account is `userId` and the row is live. */
export async function findChatOrigin(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { pricingToken: string; userId: string },
): Promise<ChatOrigin | undefined> {
  const row = await deps.prisma.oneTimeToken.findUnique({
    where: { tokenHash: hashToken(`pricing:${input.pricingToken}`) },
  });
  if (row?.kind !== 'checkout' || row.userId !== input.userId || row.expiresAt <= deps.clock.now()) return undefined;
  const parsed = ChatOriginSchema.safeParse(row.payload);
  return parsed.success ? parsed.data : undefined;
}

/** The origin as Checkout Session metadata (each value well under Stripe's 500 characters). */
export function chatOriginMetadata(origin: ChatOrigin | undefined): Record<string, string> {
  if (!origin) return {};
  return Object.fromEntries(
    Object.entries(METADATA_KEYS).map(([field, key]) => [key, origin[field as keyof ChatOrigin]]),
  );
}

/**
 * The origin a Checkout Session's metadata names, if complete and well-formed. Only where to
 * announce comes from metadata; whom to credit and how much never do.
 */
export function chatOriginOf(metadata: Record<string, string> | null | undefined): ChatOrigin | undefined {
  if (!metadata) return undefined;
  const parsed = ChatOriginSchema.safeParse(
    Object.fromEntries(Object.entries(METADATA_KEYS).map(([field, key]) => [field, metadata[key]])),
  );
  return parsed.success ? parsed.data : undefined;
}

/** The notifier's target for an origin. */
export function deliveryTargetOfOrigin(origin: ChatOrigin): DeliveryTarget {
  return {
    platform: origin.platform,
    chatId: origin.chatId,
    chatType: origin.chatType,
    platformUserId: origin.platformUserId,
    locale: normalizeLocale(origin.locale),
  };
}
