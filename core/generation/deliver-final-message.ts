import { ChatUnreachableError } from '#core/chat/notifier';
import type { CoreDeps } from '#core/core-deps';
import { Prisma } from '#core/infra/db/create-database';
import { buildFinalReply, type EndedGeneration } from '#core/generation/build-final-reply';
import { forgetDeliverySecrets } from '#core/generation/forget-delivery-secrets';
import { sendToChat } from '#core/generation/notify-job';

/** How long a sender holds a final message before another process may take it over. */
export const DELIVERY_LEASE_MS = 30_000;
/** A sender renews its lease this often while the platform makes it wait (flood limits). */
const LEASE_RENEW_MS = 10_000;
/** Tries before a final message is given up; the result stays in /history and on the web. */
export const MAX_DELIVERY_ATTEMPTS = 8;
const FIRST_RETRY_MS = 15_000;
const MAX_RETRY_MS = 30 * 60_000;

/** How a try at delivering a final message went. */
export type DeliveryOutcome =
  /** The chat accepted the message. */
  | 'delivered'
  /** It failed for now; a later sweep tries again (see {@link deliveryBackoffMs}). */
  | 'retry_later'
  /** The chat cannot be reached any more, or the tries ran out: no more tries. */
  | 'given_up'
  /**
   * Nothing for this process to do now: delivered already, another sender holds it, not due yet,
   * not ended, or no notifier here for its platform (a worker that has one sends it).
   */
  | 'not_due';

type DeliverDeps = Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger' | 'clock' | 'config' | 'media' | 'providers'>;

/**
 * The condition on a generation row that its final message is still to be sent now by a process
 * with notifiers for `platforms`: not accepted yet, tries left, no lease held and no later try
 * planned. The claim and the sweep's search share it, so they cannot drift apart.
 */
export function isFinalMessageDue(now: Date, platforms: readonly string[]): Prisma.Sql {
  return Prisma.sql`"deliveredAt" IS NULL AND "deliveryAttempts" < ${MAX_DELIVERY_ATTEMPTS}
    AND ("deliveryDueAt" IS NULL OR "deliveryDueAt" <= ${now}) AND delivery->>'platform' IN (${Prisma.join(platforms)})`;
}

/** The wait after the `attempts`-th failed try: 15 s, 30 s, 1 min, … at most 30 min. */
export function deliveryBackoffMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends an ended generation's final message (its result, or why it ended and that the credits
 * went back) until the chat has accepted it, and never to a chat that already has it:
 * - a sender first claims the delivery in the database (a lease, renewed while it sends), so
 *   racing workers, sweeps and retried jobs send it once;
 * - the chat accepted it → `deliveredAt` is set and platform secrets are dropped;
 * - the platform refused it for now (flood limits, an outage, a worker shutting down) → the lease
 *   is turned into the time of the next try, which the worker's sweep makes
 *   (`retryUndeliveredMessages`); after {@link MAX_DELIVERY_ATTEMPTS} it gives up;
 * - the chat is unreachable (blocked bot, deleted chat) → no more tries.
 * A sender that dies mid-send leaves a lease that runs out after {@link DELIVERY_LEASE_MS}; the
 * message is then sent again, so only a death between the platform's acceptance and our record
 * of it can show a result twice.
 */
export async function deliverFinalMessage(deps: DeliverDeps, generationId: string): Promise<DeliveryOutcome> {
  const platforms = Object.keys(deps.notifiers);
  if (platforms.length === 0) return 'not_due';
  const now = deps.clock.now();
  const [claimed] = await deps.prisma.$queryRaw<(EndedGeneration & { deliveryAttempts: number; platform: string })[]>`
    UPDATE generations SET "deliveryDueAt" = ${new Date(now.getTime() + DELIVERY_LEASE_MS)}, "deliveryAttempts" = "deliveryAttempts" + 1
    WHERE id = ${generationId}::uuid AND status IN ('succeeded', 'failed', 'cancelled', 'blocked') AND ${isFinalMessageDue(now, platforms)}
    RETURNING id::text, status::text, kind::text, prompt, provider, model, options, cost, "errorCode", "deliveryAttempts", delivery->>'platform' AS platform`;
  if (!claimed) return 'not_due';

  const log = deps.logger.child({ generationId, platform: claimed.platform, attempt: claimed.deliveryAttempts });
  const renew = setInterval(() => {
    void deps.prisma
      .$executeRaw`UPDATE generations SET "deliveryDueAt" = ${new Date(deps.clock.now().getTime() + DELIVERY_LEASE_MS)} WHERE id = ${generationId}::uuid AND "deliveredAt" IS NULL`.catch(
      (error: unknown) => log.warn({ err: error }, 'could not renew the delivery lease'),
    );
  }, LEASE_RENEW_MS);
  renew.unref();
  try {
    await sendToChat(deps, generationId, [await buildFinalReply(deps, claimed)]);
  } catch (error) {
    clearInterval(renew);
    return recordFailure(deps, claimed, error, log);
  }
  try {
    await recordDelivered(deps, generationId, log);
  } finally {
    clearInterval(renew);
  }
  await forgetDeliverySecrets(deps, generationId).catch((error: unknown) =>
    log.warn({ err: error }, 'could not drop the delivery secrets'),
  );
  if (claimed.deliveryAttempts > 1) log.info('final message delivered after a retry');
  return 'delivered';
}

/** Tries to record an accepted message for this long (a database outage), holding the lease meanwhile. */
const RECORD_RETRY_MS = 50_000;

/**
 * Records that the chat accepted the message. The database may be away just then (a restart):
 * the write is retried while the lease is held, since a lost record means the message is sent
 * again once the lease runs out.
 */
async function recordDelivered(deps: DeliverDeps, generationId: string, log: DeliverDeps['logger']): Promise<void> {
  const giveUpAt = Date.now() + RECORD_RETRY_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.prisma.generation.update({
        where: { id: generationId },
        data: { deliveredAt: deps.clock.now(), deliveryDueAt: null, deliveryError: null },
      });
      return;
    } catch (error) {
      if (Date.now() >= giveUpAt) {
        log.error({ err: error }, 'the chat has the final message but it could not be recorded; it may be sent again');
        throw error;
      }
      log.warn({ err: error, attempt }, 'could not record the delivered final message yet; trying again');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** (attempt - 1))));
    }
  }
}

async function recordFailure(
  deps: DeliverDeps,
  claimed: { id: string; deliveryAttempts: number },
  error: unknown,
  log: DeliverDeps['logger'],
): Promise<DeliveryOutcome> {
  const isUnreachable = error instanceof ChatUnreachableError;
  const isLast = isUnreachable || claimed.deliveryAttempts >= MAX_DELIVERY_ATTEMPTS;
  const reason = isUnreachable
    ? 'chat_unreachable'
    : (error instanceof Error ? error.message : String(error)).slice(0, 200);
  await deps.prisma.generation.update({
    where: { id: claimed.id },
    data: {
      deliveryError: reason,
      deliveryDueAt: isLast ? null : new Date(deps.clock.now().getTime() + deliveryBackoffMs(claimed.deliveryAttempts)),
      ...(isUnreachable ? { deliveryAttempts: MAX_DELIVERY_ATTEMPTS } : {}),
    },
  });
  if (isUnreachable) {
    log.info({ err: error }, 'final message not delivered: the chat is unreachable');
    await forgetDeliverySecrets(deps, claimed.id);
    return 'given_up';
  }
  if (isLast) {
    log.error({ err: error }, 'final message not delivered after every try; the result stays in the history');
    await forgetDeliverySecrets(deps, claimed.id);
    return 'given_up';
  }
  log.warn(
    { err: error, retryInMs: deliveryBackoffMs(claimed.deliveryAttempts) },
    'final message not delivered; will try again',
  );
  return 'retry_later';
}
