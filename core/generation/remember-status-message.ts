import type { CoreDeps } from '#core/core-deps';

/**
 * Stores the id of the chat message showing a job's status in the job's delivery target, and
 * when it was shown: a worker's first edit waits for the chat's pace from then (`sendToChat`).
 */
export async function rememberStatusMessage(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  messageId: string,
): Promise<void> {
  await deps.prisma.$executeRaw`UPDATE generations
       SET delivery = delivery || jsonb_build_object('statusMessageId', ${messageId}::text, 'statusAt', ${Date.now()}::bigint)
     WHERE id = ${generationId}::uuid`;
}
