import type { CoreDeps } from '#core/core-deps';

/**
 * Drops platform data such as a Discord interaction token from a finished job's delivery
 * target: it is a credential, needed only while the job can still post to the chat.
 */
export async function forgetDeliverySecrets(deps: Pick<CoreDeps, 'prisma'>, generationId: string): Promise<void> {
  await deps.prisma
    .$executeRaw`UPDATE generations SET delivery = delivery - 'extra' WHERE id = ${generationId}::uuid AND delivery ? 'extra'`;
}
