import type { CoreDeps } from '#core/core-deps';
import { captureReservationLocked, releaseReservationLocked } from '#core/credits/settle-reservation';
import { withAccountLock } from '#core/credits/ledger-transaction';
import type { AppErrorCode } from '#core/errors/app-error';
import { notifyJob } from '#core/generation/notify-job';
import { forgetDeliverySecrets } from '#core/generation/forget-delivery-secrets';
import type { Reply } from '#core/chat/reply';
import type { MessageKey } from '#core/i18n/catalog';
import { recordGenerationEnd } from '#core/metrics/record-generation';

/** How a generation ended. Only `succeeded` keeps the credits; every other end returns them. */
export type GenerationOutcome =
  | { status: 'succeeded' }
  | { status: 'failed'; errorCode: AppErrorCode }
  | { status: 'cancelled' }
  | { status: 'blocked'; category: string };

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'blocked'] as const;

/**
 * Ends a generation once: sets its final status and, in the same transaction, captures its
 * reservation (success) or releases it (any other end). A second call for the same generation
 * changes nothing and returns false, so racing workers, sweeps and cancels cannot charge or
 * refund twice. Tells the user about non-success ends unless `notify` is false.
 */
export async function finishGeneration(deps: Pick<CoreDeps, 'prisma' | 'clock' | 'notifiers' | 'logger' | 'config' | 'metrics'>, generationId: string, outcome: GenerationOutcome, options: { notify?: boolean } = {}): Promise<boolean> {
  const now = deps.clock.now();
  const owner = await deps.prisma.generation.findUnique({ where: { id: generationId }, select: { userId: true } });
  if (!owner) return false;
  const finished = await withAccountLock(deps.prisma, owner.userId, async (tx) => {
    const generation = await tx.generation.findUniqueOrThrow({ where: { id: generationId }, select: { status: true, cost: true, delivery: true, kind: true, provider: true, createdAt: true } });
    if ((TERMINAL_STATUSES as readonly string[]).includes(generation.status)) return undefined;
    await tx.generation.update({
      where: { id: generationId },
      data: { status: outcome.status, finishedAt: now, errorCode: outcome.status === 'failed' ? outcome.errorCode : outcome.status === 'blocked' ? `blocked:${outcome.category}` : null },
    });
    const reservation = await tx.creditReservation.findUnique({ where: { generationId }, select: { id: true, amount: true } });
    if (!reservation) return { ...generation, settled: undefined };
    const settled = outcome.status === 'succeeded' ? await captureReservationLocked(tx, reservation.id) : await releaseReservationLocked(tx, reservation.id, `generation_${outcome.status}`, now);
    return { ...generation, settled: { outcome: settled, amount: reservation.amount } };
  });
  if (!finished) return false;
  recordGenerationEnd(deps.metrics, { kind: finished.kind, provider: finished.provider, status: outcome.status, createdAt: finished.createdAt, endedAt: now, settled: finished.settled });
  if (options.notify !== false && outcome.status !== 'succeeded') {
    await notifyJob(deps, generationId, [outcomeReply(generationId, outcome, finished.cost, deps.config.supportEmail)]);
  }
  if (outcome.status !== 'succeeded') await forgetDeliverySecrets(deps, generationId);
  return true;
}

function outcomeReply(generationId: string, outcome: Exclude<GenerationOutcome, { status: 'succeeded' }>, cost: number, support: string): Reply {
  switch (outcome.status) {
    case 'cancelled':
      return { type: 'status', generationId, text: { key: 'job.cancelled', vars: { cost } } };
    case 'blocked':
      return { type: 'status', generationId, text: { key: 'job.blocked', vars: { cost, category: `{category.${outcome.category}}`, support } } };
    case 'failed':
      if (outcome.errorCode === 'generation_timeout') return { type: 'status', generationId, text: { key: 'job.timed_out', vars: { cost } } };
      return { type: 'status', generationId, text: { key: 'job.failed', vars: { cost, reason: `{${reasonKey(outcome.errorCode)}}` } } };
  }
}

function reasonKey(code: AppErrorCode): MessageKey {
  if (code === 'provider_unavailable' || code === 'generation_timeout') return `reason.${code}`;
  if (code === 'invalid_input' || code === 'invalid_option') return 'reason.invalid';
  return 'reason.internal';
}

