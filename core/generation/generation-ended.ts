import type { CoreDeps } from '#core/core-deps';

/**
 * The generation stopped running while its job was working on it (cancelled, swept as overdue):
 * the job stops before spending more at the provider; whoever ended it settled its credits.
 */
export class GenerationEndedError extends Error {
  constructor(generationId: string) {
    super(`generation ${generationId} ended while its job was working on it`);
    this.name = 'GenerationEndedError';
  }
}

/**
 * Throws {@link GenerationEndedError} unless the generation is still running; records `progress`
 * (0..100) on the way when given. A worker checks this before each paid provider call and between
 * video polls, since a cancel or a sweep in another process only changes the row.
 */
export async function assertStillRunning(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  progress?: number,
): Promise<void> {
  const isRunning =
    progress === undefined
      ? (await deps.prisma.generation.findUnique({ where: { id: generationId }, select: { status: true } }))?.status ===
        'running'
      : (
          await deps.prisma.generation.updateMany({
            where: { id: generationId, status: 'running' },
            data: { progress: Math.round(progress) },
          })
        ).count === 1;
  if (!isRunning) throw new GenerationEndedError(generationId);
}
