import type { CoreDeps } from '#core/core-deps';
import type { Text } from '#core/chat/reply';
import { getBalance } from '#core/credits/get-balance';
import { buildFinalReply } from '#core/generation/build-final-reply';
import { mediaUrlFor } from '#core/generation/build-result-reply';
import { isOpenStatus, OPEN_STATUSES_SQL } from '#core/generation/open-statuses';

/** A job as its owner's web page shows it. */
export type WebJob = {
  id: string;
  status: 'queued' | 'running' | 'uploading' | 'succeeded' | 'failed' | 'cancelled' | 'blocked';
  isOpen: boolean;
  prompt: string;
  cost: number;
  /** Open jobs (of anyone) admitted before this one (ids are time-ordered, breaking ties) and not ended yet; only while this one waits. */
  position: number | undefined;
  /** Percent done when the provider reports it (videos); undefined when unknown. */
  progress: number | undefined;
  /** The results at signed `/media/…` addresses, once it succeeded. */
  images: { url: string; width: number | null; height: number | null; mime: string }[];
  /** Why it ended and that the credits came back, when it did not succeed. */
  failure: Text | undefined;
  /** The owner's spendable credits now (after this job's reservation or capture). */
  balance: number;
};

/**
 * One generation of `userId` as the web shows it, read from the database (the web and the
 * workers may be different processes): status, place in the queue, progress, result links, or
 * the failure in the same words a chat gets. Undefined for a missing id or anyone else's job.
 */
export async function readWebJob(
  deps: Pick<CoreDeps, 'prisma' | 'config' | 'clock' | 'media' | 'providers'>,
  input: { userId: string; generationId: string },
): Promise<WebJob | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(input.generationId)) return undefined;
  const generation = await deps.prisma.generation.findUnique({ where: { id: input.generationId } });
  // Deleted from the gallery: gone for its job page too, as everywhere else.
  if (!generation || generation.userId !== input.userId || generation.deletedAt) return undefined;
  const isOpen = isOpenStatus(generation.status);
  const [ahead, assets, balance] = await Promise.all([
    generation.status === 'queued'
      ? deps.prisma.$queryRaw<{ count: number }[]>`
          SELECT count(*)::int AS count FROM generations
          WHERE status IN ${OPEN_STATUSES_SQL} AND ("createdAt", id) < (${generation.createdAt}, ${generation.id}::uuid)`
      : Promise.resolve(undefined),
    generation.status === 'succeeded'
      ? deps.prisma.mediaAsset.findMany({
          where: { generationId: generation.id, role: 'output' },
          orderBy: { createdAt: 'asc' },
        })
      : Promise.resolve([]),
    getBalance(deps.prisma, input.userId, deps.clock.now()),
  ]);
  const options = (generation.options ?? {}) as { subject?: string };
  let failure: Text | undefined;
  if (generation.status === 'failed' || generation.status === 'cancelled' || generation.status === 'blocked') {
    const reply = await buildFinalReply(deps, { ...generation, status: generation.status });
    failure = reply.type === 'status' ? reply.text : undefined;
  }
  return {
    id: generation.id,
    status: generation.status,
    isOpen,
    prompt: options.subject ?? generation.prompt ?? '',
    cost: generation.cost,
    position: ahead?.[0]?.count,
    progress: isOpen && generation.progress > 0 ? generation.progress : undefined,
    images: assets.map((asset) => ({
      url: mediaUrlFor(deps, asset.id),
      width: asset.width,
      height: asset.height,
      mime: asset.mime,
    })),
    failure,
    balance: balance.available,
  };
}
