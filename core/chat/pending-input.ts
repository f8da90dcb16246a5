import type { CoreDeps } from '#core/core-deps';
import { Prisma } from '#core/infra/db/create-database';

/** How long the bot waits for the answer to its question, or keeps a prompt until the terms are accepted. */
export const PENDING_INPUT_TTL_MS = 10 * 60 * 1000;

/**
 * What the bot waits for from one user in one chat:
 * - `photo_edit`: the instruction for a photo sent without a caption ("What should I change?");
 * - `template_subject`: the subject for a picked template;
 * - `prompt`: a prompt sent before the terms were accepted, run once they are;
 * - `remix_prompt`: the new prompt of a result's Remix (`generationId` names the result whose options it keeps).
 */
export type PendingInputKind = 'photo_edit' | 'template_subject' | 'prompt' | 'remix_prompt';

/** A photo the user sent, by the platform's reference; the adapter fetches it again by `ref`. */
export type PendingAttachment = { ref: string; mime: string; sizeBytes: number | undefined };

/** Whose pending input: one per platform + chat + user. */
export type PendingInputKey = { platform: string; chatId: string; platformUserId: string };

/** A pending input as stored. */
export type PendingInput = {
  kind: PendingInputKind;
  text: string | undefined;
  mediaKind: 'image' | 'video' | undefined;
  templateId: string | undefined;
  generationId: string | undefined;
  attachment: PendingAttachment | undefined;
  eventId: string;
  expiresAt: Date;
};

type Row = {
  kind: string;
  text: string | null;
  mediaKind: string | null;
  templateId: string | null;
  generationId: string | null;
  attachment: unknown;
  eventId: string;
  expiresAt: Date;
};

/**
 * Remembers what the bot waits for, replacing anything pending for the same chat and user (at
 * most one), until {@link PENDING_INPUT_TTL_MS} from `now`.
 */
export async function rememberPendingInput(
  deps: Pick<CoreDeps, 'prisma'>,
  key: PendingInputKey,
  input: {
    userId: string;
    now: Date;
    kind: PendingInputKind;
    eventId: string;
    text?: string;
    mediaKind?: 'image' | 'video';
    templateId?: string;
    generationId?: string;
    attachment?: PendingAttachment;
  },
): Promise<void> {
  const attachment = input.attachment
    ? JSON.stringify({
        ref: input.attachment.ref,
        mime: input.attachment.mime,
        sizeBytes: input.attachment.sizeBytes ?? null,
      })
    : null;
  const expiresAt = new Date(input.now.getTime() + PENDING_INPUT_TTL_MS);
  await deps.prisma.$executeRaw`
    INSERT INTO chat_pending_inputs (platform, "chatId", "platformUserId", "userId", kind, text, "mediaKind", "templateId", "generationId", attachment, "eventId", "expiresAt", "createdAt")
    VALUES (${key.platform}, ${key.chatId}, ${key.platformUserId}, ${input.userId}::uuid, ${input.kind}, ${input.text ?? null}, ${input.mediaKind ?? null}, ${input.templateId ?? null},
            ${input.generationId ?? null}::uuid, ${attachment}::jsonb, ${input.eventId}, ${expiresAt}::timestamp(3), ${input.now}::timestamp(3))
    ON CONFLICT (platform, "chatId", "platformUserId") DO UPDATE SET
      "userId" = EXCLUDED."userId", kind = EXCLUDED.kind, text = EXCLUDED.text, "mediaKind" = EXCLUDED."mediaKind", "templateId" = EXCLUDED."templateId",
      "generationId" = EXCLUDED."generationId", attachment = EXCLUDED.attachment, "eventId" = EXCLUDED."eventId", "expiresAt" = EXCLUDED."expiresAt", "createdAt" = EXCLUDED."createdAt"`;
}

/**
 * Takes the pending input of one of `kinds` for this chat and user, exactly once: one
 * `DELETE … RETURNING`, so of two updates racing for it only one gets it. An expired one is
 * deleted as well and answered as nothing pending, so an old question never applies to a later message.
 */
export async function takePendingInput(
  deps: Pick<CoreDeps, 'prisma'>,
  key: PendingInputKey,
  kinds: readonly PendingInputKind[],
  now: Date,
): Promise<PendingInput | undefined> {
  const rows = await deps.prisma.$queryRaw<Row[]>`
    DELETE FROM chat_pending_inputs
    WHERE platform = ${key.platform} AND "chatId" = ${key.chatId} AND "platformUserId" = ${key.platformUserId} AND kind IN (${Prisma.join([...kinds])})
    RETURNING kind, text, "mediaKind", "templateId", "generationId", attachment, "eventId", "expiresAt"`;
  const row = rows[0];
  if (!row || row.expiresAt.getTime() <= now.getTime()) return undefined;
  return {
    kind: row.kind as PendingInputKind,
    text: row.text ?? undefined,
    mediaKind: row.mediaKind === 'video' ? 'video' : row.mediaKind === 'image' ? 'image' : undefined,
    templateId: row.templateId ?? undefined,
    generationId: row.generationId ?? undefined,
    attachment: attachmentOf(row.attachment),
    eventId: row.eventId,
    expiresAt: row.expiresAt,
  };
}

/** Forgets whatever is pending for this chat and user (the Cancel button, /cancel); true when something unexpired was. */
export async function forgetPendingInput(
  deps: Pick<CoreDeps, 'prisma'>,
  key: PendingInputKey,
  now: Date,
): Promise<boolean> {
  return (
    (await takePendingInput(deps, key, ['photo_edit', 'template_subject', 'prompt', 'remix_prompt'], now)) !== undefined
  );
}

/** Deletes pending inputs that expired before `now` (the retention job). */
export async function purgeExpiredPendingInputs(deps: Pick<CoreDeps, 'prisma'>, now: Date): Promise<number> {
  return (await deps.prisma.chatPendingInput.deleteMany({ where: { expiresAt: { lte: now } } })).count;
}

function attachmentOf(value: unknown): PendingAttachment | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { ref, mime, sizeBytes } = value as Record<string, unknown>;
  if (typeof ref !== 'string' || typeof mime !== 'string') return undefined;
  return { ref, mime, sizeBytes: typeof sizeBytes === 'number' ? sizeBytes : undefined };
}
