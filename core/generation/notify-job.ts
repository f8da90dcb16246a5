import type { CoreDeps } from '#core/core-deps';
import type { Reply } from '#core/chat/reply';
import { isWebDelivery, type DeliveryTarget } from '#core/generation/delivery-target';
import { holdChat } from '#core/generation/notify-progress';
import type { SlotHold } from '#core/infra/rate-limit/rate-limiter';

/** How long a worker waits for the adapter to show a job's first status before updating it. */
export const STATUS_MESSAGE_WAIT_MS = 3_000;
/**
 * The least time between two messages of ours to one chat (sent or edited) across processes:
 * Telegram allows about one a second per chat
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this), and a
 * process's own throttler only spaces its own calls.
 */
export const CHAT_GAP_MS = 1_100;
const POLL_MS = 100;
/** Looks for a progress edit under way in the chat to finish: up to 3 s. */
const HOLD_TRIES = 30;

/** `limiter`, when given, keeps this message apart from progress edits of the chat in other processes. */
type NotifyDeps = Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger'> & Partial<Pick<CoreDeps, 'limiter'>>;

/**
 * Sends a job's progress notice to its chat. Progress is best effort: a failure is logged, never
 * thrown (the job goes on, and its final message is delivered with retries by
 * `deliverFinalMessage`).
 */
export async function notifyJob(deps: NotifyDeps, generationId: string, replies: Reply[]): Promise<void> {
  try {
    await sendToChat(deps, generationId, replies);
  } catch (error) {
    deps.logger.warn({ err: error, generationId }, 'progress notice to the chat failed');
  }
}

/**
 * Sends replies about a job to its chat and throws what the notifier throws. Returns false when
 * this process has no notifier for the job's platform (nothing was sent).
 *
 * Reads the delivery target fresh each time, so the status message the adapter recorded
 * (`rememberStatusMessage`) is the one edited; before the first update it waits briefly for that
 * record, so a fast worker in another process cannot overwrite a result with a late "queued"
 * edit, and sends no sooner than {@link CHAT_GAP_MS} after the status message last changed. A
 * status message id the notifier reports is remembered with the time.
 */
export async function sendToChat(deps: NotifyDeps, generationId: string, replies: Reply[]): Promise<boolean> {
  let target = await readTarget(deps, generationId);
  if (!target) return false;
  const notifier = deps.notifiers[target.platform];
  if (!notifier) return false;
  const started = Date.now();
  while (!target.statusMessageId && Date.now() - started < STATUS_MESSAGE_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    target = (await readTarget(deps, generationId)) ?? target;
  }
  // The status message was shown or edited just now, perhaps by another process: keep the chat's pace.
  // A progress edit another process started meanwhile moves the mark: wait again (bounded).
  for (let round = 0; round < 3; round++) {
    const gap = (target.statusAt ?? 0) + CHAT_GAP_MS - Date.now();
    if (gap <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(gap, CHAT_GAP_MS)));
    target = (await readTarget(deps, generationId)) ?? target;
  }
  // A status notice with no status message shown yet (the bot has not answered yet, under load)
  // would start a second one next to the bot's: the next progress tick edits the bot's instead.
  if (!target.statusMessageId && replies.every(isOpenStatus)) return true;
  // Waits (bounded) for a progress edit of this chat under way in another process, then keeps
  // other processes' edits away while this message goes out.
  let hold: SlotHold | undefined;
  const { limiter } = deps;
  for (let tries = 0; limiter && tries < HOLD_TRIES && !hold; tries++) {
    hold = await holdChat({ limiter }, target).catch(() => undefined);
    if (!hold) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let result: Awaited<ReturnType<typeof notifier.send>>;
  try {
    // The edit this hold waited for has just reached the chat: keep its pace from then.
    if (hold) target = await waitForChatGap(deps, generationId, target);
    await markStatusChange(deps, generationId);
    result = await notifier.send(target, replies);
    // Counted from when the chat got it: a send may have waited long in the shared pace.
    await markStatusChange(deps, generationId);
  } finally {
    await hold?.release();
  }
  if (result.statusMessageId) {
    await deps.prisma.$executeRaw`UPDATE generations
         SET delivery = delivery || jsonb_build_object('statusMessageId', ${result.statusMessageId}::text, 'statusAt', ${Date.now()}::bigint)
       WHERE id = ${generationId}::uuid`;
  }
  return true;
}

/** Waits until {@link CHAT_GAP_MS} have passed since the job's status message last changed; returns the target read last. */
async function waitForChatGap(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  target: DeliveryTarget,
): Promise<DeliveryTarget> {
  const fresh = (await readTarget(deps, generationId)) ?? target;
  const gap = (fresh.statusAt ?? 0) + CHAT_GAP_MS - Date.now();
  if (gap > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(gap, CHAT_GAP_MS)));
  return fresh;
}

/** Records that the job's status message changes now (where it has one): progress edits keep their distance. */
async function markStatusChange(deps: Pick<CoreDeps, 'prisma'>, generationId: string): Promise<void> {
  await deps.prisma.$executeRaw`UPDATE generations
       SET delivery = delivery || jsonb_build_object('statusAt', ${Date.now()}::bigint)
     WHERE id = ${generationId}::uuid AND delivery ? 'statusMessageId'`;
}

/** The chat a job reports to; undefined when the job is gone or was started on the website (no chat). */
async function readTarget(deps: Pick<CoreDeps, 'prisma'>, generationId: string): Promise<DeliveryTarget | undefined> {
  const row = await deps.prisma.generation.findUnique({ where: { id: generationId }, select: { delivery: true } });
  return row && !isWebDelivery(row.delivery) ? (row.delivery as DeliveryTarget) : undefined;
}

/** A notice of a job still under way (not its final word, which is always sent). */
function isOpenStatus(reply: Reply): boolean {
  if (reply.type !== 'status') return false;
  const { key } = reply.text;
  return (
    key.startsWith('job.running') ||
    key.startsWith('job.queued') ||
    key === 'job.uploading' ||
    key === 'job.provider_busy'
  );
}
