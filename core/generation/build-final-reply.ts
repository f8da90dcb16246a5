import type { CoreDeps } from '#core/core-deps';
import type { Reply } from '#core/chat/reply';
import type { AppErrorCode } from '#core/errors/app-error';
import { buildResultReply } from '#core/generation/build-result-reply';
import { findOutputAssets } from '#core/generation/find-output-assets';
import type { MessageKey } from '#core/i18n/catalog';

/** What the final message of an ended generation is built from: its stored row. */
export type EndedGeneration = {
  id: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'blocked';
  kind: 'image' | 'video';
  prompt: string | null;
  provider: string | null;
  /** Our id of the model that made it (the models file's). */
  model: string | null;
  options: unknown;
  cost: number;
  errorCode: string | null;
};

/**
 * The last message a generation's chat gets: the result with its buttons when it succeeded,
 * otherwise why it ended and that the credits went back (the status message is edited to it).
 */
export async function buildFinalReply(
  deps: Pick<CoreDeps, 'prisma' | 'config' | 'clock' | 'media' | 'providers'>,
  generation: EndedGeneration,
): Promise<Reply> {
  const { id: generationId, cost } = generation;
  switch (generation.status) {
    case 'succeeded': {
      const assets = await findOutputAssets(deps.prisma, generationId);
      const options = (generation.options ?? {}) as { subject?: string; operation?: string; count?: number };
      const asked = generation.kind === 'image' ? (options.count ?? 1) : 1;
      return buildResultReply(deps, {
        generationId,
        kind: generation.kind,
        prompt: options.subject ?? generation.prompt ?? '',
        provider: generation.provider,
        model: generation.model,
        assets,
        operation: options.operation,
        shortfall:
          assets.length > 0 && assets.length < asked
            ? { asked, returned: await readReturnedCredits(deps, generationId, cost) }
            : undefined,
      });
    }
    case 'cancelled':
      return { type: 'status', generationId, text: { key: 'job.cancelled', vars: { cost } } };
    case 'blocked': {
      const category = generation.errorCode?.startsWith('blocked:')
        ? generation.errorCode.slice('blocked:'.length)
        : 'provider_safety';
      return {
        type: 'status',
        generationId,
        text: {
          key: 'job.blocked',
          vars: { cost, category: `{category.${category}}`, support: deps.config.supportEmail },
        },
      };
    }
    case 'failed': {
      const code = (generation.errorCode ?? 'internal') as AppErrorCode;
      if (code === 'generation_timeout')
        return { type: 'status', generationId, text: { key: 'job.timed_out', vars: { cost } } };
      return {
        type: 'status',
        generationId,
        text: { key: 'job.failed', vars: { cost, reason: `{${reasonKey(code)}}` } },
      };
    }
  }
}

function reasonKey(code: AppErrorCode): MessageKey {
  if (code === 'provider_unavailable' || code === 'generation_timeout') return `reason.${code}`;
  if (code === 'invalid_input' || code === 'invalid_option') return 'reason.invalid';
  return 'reason.internal';
}

/** Credits a captured job gave back for pictures that did not arrive: what it reserved less what it cost. */
async function readReturnedCredits(
  deps: Pick<CoreDeps, 'prisma'>,
  generationId: string,
  cost: number,
): Promise<number> {
  const reservation = await deps.prisma.creditReservation.findUnique({
    where: { generationId },
    select: { amount: true },
  });
  return Math.max(0, (reservation?.amount ?? cost) - cost);
}
