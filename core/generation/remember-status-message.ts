import type { CoreDeps } from '#core/core-deps';

/** Stores the id of the chat message showing a job's status in the job's delivery target. */
export async function rememberStatusMessage(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  messageId: string,
): Promise<void> {
  await deps.prisma
    .$executeRaw`UPDATE generations SET delivery = jsonb_set(delivery, '{statusMessageId}', to_jsonb(${messageId}::text)) WHERE id = ${generationId}::uuid`;
}
