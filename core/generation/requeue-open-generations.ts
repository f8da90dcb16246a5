import type { CoreDeps } from '#core/core-deps';

/**
 * Puts every generation that is still open back on the queue. The in-process queue forgets its
 * jobs when the process stops, so a restart would otherwise leave them waiting until the overdue
 * sweep refunds them; with BullMQ the job ids dedupe and nothing runs twice. Returns how many.
 */
export async function requeueOpenGenerations(deps: Pick<CoreDeps, 'prisma' | 'queue' | 'clock' | 'logger'>): Promise<number> {
  const open = await deps.prisma.generation.findMany({
    where: { status: { in: ['queued', 'running', 'uploading'] }, deadlineAt: { gt: deps.clock.now() } },
    select: { id: true, kind: true },
    orderBy: { createdAt: 'asc' },
    take: 10_000,
  });
  for (const generation of open) {
    await deps.queue.enqueue({ name: generation.kind, generationId: generation.id });
  }
  if (open.length > 0) deps.logger.info({ count: open.length }, 'open generations queued again');
  return open.length;
}
