import type { CoreDeps } from '#core/core-deps';
import type { Reply } from '#core/chat/reply';
import type { DeliveryTarget } from '#core/generation/delivery-target';

/** How long a worker waits for the adapter to show a job's first status before updating it. */
export const STATUS_MESSAGE_WAIT_MS = 3_000;
const POLL_MS = 100;

/**
 * Sends a job's progress or result to its chat. Reads the delivery target fresh each time, so
 * the status message the adapter recorded (`rememberStatusMessage`) is the one edited; before
 * the first update it waits briefly for that record, so a fast worker in another process cannot
 * overwrite a result with a late "queued" edit. A status message id the notifier reports is
 * remembered. Delivery failures are logged, never thrown: the job's outcome is already stored.
 */
export async function notifyJob(deps: Pick<CoreDeps, 'prisma' | 'notifiers' | 'logger'>, generationId: string, replies: Reply[]): Promise<void> {
  let target = await readTarget(deps, generationId);
  if (!target) return;
  const notifier = deps.notifiers[target.platform];
  if (!notifier) return;
  const started = Date.now();
  while (!target.statusMessageId && Date.now() - started < STATUS_MESSAGE_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    target = (await readTarget(deps, generationId)) ?? target;
  }
  try {
    const result = await notifier.send(target, replies);
    if (result.statusMessageId && result.statusMessageId !== target.statusMessageId) {
      await deps.prisma.$executeRaw`UPDATE generations SET delivery = jsonb_set(delivery, '{statusMessageId}', to_jsonb(${result.statusMessageId}::text)) WHERE id = ${generationId}::uuid`;
    }
  } catch (error) {
    deps.logger.warn({ err: error, generationId, platform: target.platform }, 'delivery to the chat failed');
  }
}

async function readTarget(deps: Pick<CoreDeps, 'prisma'>, generationId: string): Promise<DeliveryTarget | undefined> {
  const row = await deps.prisma.generation.findUnique({ where: { id: generationId }, select: { delivery: true } });
  return row ? (row.delivery as DeliveryTarget) : undefined;
}
