import type { CoreDeps } from '#core/core-deps';
import { finishGeneration } from '#core/generation/finish-generation';

/**
 * Cancels a generation that has not finished: a waiting job is taken off the queue; a running
 * one is marked cancelled so the worker drops its result. Either way the credits return once.
 */
export async function cancelGeneration(deps: CoreDeps, generationId: string): Promise<'cancelled' | 'not_cancellable'> {
  const generation = await deps.prisma.generation.findUnique({ where: { id: generationId }, select: { status: true } });
  if (!generation || !['queued', 'running'].includes(generation.status)) return 'not_cancellable';
  await deps.queue.remove(generationId);
  const isCancelled = await finishGeneration(deps, generationId, { status: 'cancelled' });
  return isCancelled ? 'cancelled' : 'not_cancellable';
}
