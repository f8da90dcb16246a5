import type { CoreDeps } from '#core/core-deps';
import type { Reply } from '#core/chat/reply';
import { isWebDelivery, type DeliveryTarget } from '#core/generation/delivery-target';

/**
 * Telegram: at most one progress edit per chat every 3 s, whichever process makes it (the issue's
 * budget; Telegram allows about one message a second per chat and counts edits,
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). Discord's
 * follow-up edits keep the same pace, well inside its per-webhook limits.
 */
export const PROGRESS_EDIT_SPACING_MS = 3_000;

/** A job's progress: a status reply that edits the status message, never sends a new one. */
export type ProgressReply = Extract<Reply, { type: 'status' }>;

/** What {@link notifyProgress} did. */
export type ProgressOutcome = 'sent' | 'unchanged' | 'paced' | 'no_message' | 'not_shown' | 'failed';

type ProgressDeps = Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger' | 'limiter'>;

/**
 * Edits a job's status message to `reply`, within the platforms' limits, while the job is still
 * `whileStatus`. Skipped (nothing sent) when:
 * - the text is the one shown last (Telegram would answer 400 "message is not modified");
 * - the status message changed less than {@link PROGRESS_EDIT_SPACING_MS} ago, or another job of
 *   the same chat was edited that recently (a deployment-wide window per chat, through the
 *   limiter, so every worker shares it);
 * - the job is no longer `whileStatus`, or it was started on the website; the chat has no
 *   status message yet (`no_message`: the caller may send one through `notifyJob`).
 * A later tick sends the newest text instead: progress is best effort, so a failure is logged,
 * never thrown. The edit itself goes through the notifier, whose platform client keeps the
 * deployment's send pace (behind results).
 */
export async function notifyProgress(
  deps: ProgressDeps,
  generationId: string,
  reply: ProgressReply,
  whileStatus: 'queued' | 'running' | 'uploading',
): Promise<ProgressOutcome> {
  try {
    const row = await deps.prisma.generation.findUnique({
      where: { id: generationId },
      select: { status: true, delivery: true, createdAt: true },
    });
    if (!row || row.status !== whileStatus || isWebDelivery(row.delivery)) return 'not_shown';
    const target = row.delivery as DeliveryTarget;
    const notifier = deps.notifiers[target.platform];
    if (!notifier) return 'not_shown';
    if (!target.statusMessageId) return 'no_message';
    const signature = JSON.stringify(reply.text);
    if (target.statusText === signature) return 'unchanged';
    const shownAt = target.statusAt ?? row.createdAt.getTime();
    if (Date.now() - shownAt < PROGRESS_EDIT_SPACING_MS) return 'paced';
    const take = await deps.limiter.tryTake(`progress-edit:${target.platform}:${target.chatId}`, {
      points: 1,
      perMs: PROGRESS_EDIT_SPACING_MS,
    });
    if (!take.allowed) return 'paced';
    // One status message change per chat at a time across processes: an edit may wait in the send
    // pace behind results, and the next one must not overtake it.
    const hold = await holdChat(deps, target);
    if (!hold) return 'paced';
    try {
      // Another process may have changed the status message between the read above and this hold.
      const held = await deps.prisma.generation.findUnique({
        where: { id: generationId },
        select: { status: true, delivery: true },
      });
      if (held?.status !== whileStatus) return 'not_shown';
      const heldAt = (held.delivery as DeliveryTarget).statusAt ?? shownAt;
      if (Date.now() - heldAt < PROGRESS_EDIT_SPACING_MS) return 'paced';
      // Marked before (other senders see an edit under way) and after (the pace counts from when the chat got it).
      await markShown(deps, generationId, {});
      await notifier.send(target, [{ ...reply, isProgress: true }]);
      await markShown(deps, generationId, { statusText: signature });
    } finally {
      await hold.release();
    }
    return 'sent';
  } catch (error) {
    deps.logger.warn({ err: error, generationId }, 'progress edit failed');
    return 'failed';
  }
}

async function markShown(deps: Pick<CoreDeps, 'prisma'>, generationId: string, extra: { statusText?: string }) {
  const fields = JSON.stringify({ statusAt: Date.now(), ...extra });
  await deps.prisma
    .$executeRaw`UPDATE generations SET delivery = delivery || ${fields}::jsonb WHERE id = ${generationId}::uuid`;
}

/** Takes the chat's status lock: the one change of a status message under way in that chat. */
export function holdChat(deps: Pick<CoreDeps, 'limiter'>, target: Pick<DeliveryTarget, 'platform' | 'chatId'>) {
  return deps.limiter.tryHold(`status-change:${target.platform}:${target.chatId}`, 1);
}
