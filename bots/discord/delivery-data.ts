/**
 * What the Discord adapter keeps in a job's delivery target (`CommandRequest.chat.delivery`,
 * stored by core as `DeliveryTarget.extra`) so any process can deliver the job later.
 */
export type DiscordDelivery = {
  /** The interaction's token: edits `@original` and sends follow-ups without the bot token. */
  interactionToken: string | undefined;
  applicationId: string | undefined;
  /** When the interaction was created (ms since the epoch): its token lives 15 minutes from then. */
  interactionCreatedAt: number | undefined;
  /** Id of the interaction's original response, for edits with the bot token once the token expired. */
  originalMessageId: string | undefined;
  /** The largest upload the chat accepts (`attachment_size_limit` of the interaction). */
  attachmentSizeLimit: number;
};

/** Discord's upload limit without boosts (10 MiB); https://discord.com/developers/docs/reference#uploading-files */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

/**
 * How long an interaction token can edit its messages (15 minutes), less a margin so an edit
 * does not start just before the token dies.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages
 */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000 - 30_000;

/** Stand-in for the original response in `statusMessageId` (edits go to `@original`). */
export const ORIGINAL_MESSAGE = '@original';

/** The string record core stores, from what the adapter knows when it acknowledges an interaction. */
export function encodeDelivery(input: {
  interactionToken: string;
  applicationId: string;
  interactionCreatedAt: number;
  originalMessageId: string | undefined;
  attachmentSizeLimit: number | undefined;
}): Record<string, string> {
  return {
    interactionToken: input.interactionToken,
    applicationId: input.applicationId,
    interactionCreatedAt: String(input.interactionCreatedAt),
    attachmentSizeLimit: String(input.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT),
    ...(input.originalMessageId ? { originalMessageId: input.originalMessageId } : {}),
  };
}

/** Reads {@link encodeDelivery}'s record back; missing or malformed fields become undefined or defaults. */
export function decodeDelivery(extra: Record<string, string> | undefined): DiscordDelivery {
  const createdAt = Number(extra?.interactionCreatedAt);
  const limit = Number(extra?.attachmentSizeLimit);
  return {
    interactionToken: extra?.interactionToken || undefined,
    applicationId: extra?.applicationId || undefined,
    interactionCreatedAt: Number.isFinite(createdAt) && createdAt > 0 ? createdAt : undefined,
    originalMessageId: extra?.originalMessageId || undefined,
    attachmentSizeLimit: Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_ATTACHMENT_SIZE_LIMIT,
  };
}

/** Whether the interaction token can still edit and follow up (created less than ~15 minutes ago). */
export function isTokenUsable(
  delivery: DiscordDelivery,
  now: number,
): delivery is DiscordDelivery & { interactionToken: string; applicationId: string } {
  return (
    delivery.interactionToken !== undefined &&
    delivery.applicationId !== undefined &&
    delivery.interactionCreatedAt !== undefined &&
    now - delivery.interactionCreatedAt < INTERACTION_TOKEN_LIFETIME_MS
  );
}
