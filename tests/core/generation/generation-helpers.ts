import { createHash } from 'node:crypto';
import type { Reply } from '#core';
import type { PrismaClient } from '#core/infra/db/create-database';
import { getBalance } from '#core/credits/get-balance';
import { renderText, type ChatUser } from '#tests/support/chat-driver';
import type { RecordingNotifier } from '#tests/support/recording-notifier';
import type { TestCore } from '#tests/support/test-core';

export type MediaReply = Extract<Reply, { type: 'media' }>;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Sends `/imagine` or `/video` and returns the admitted generation's id; fails with what the user read otherwise. */
export async function admit(user: ChatUser, command: 'imagine' | 'video', args: string): Promise<string> {
  const replies = await user.command(command, args);
  const reply = replies[0];
  if (reply?.type !== 'status') throw new Error(`not admitted: ${renderText(reply)}`);
  return reply.generationId;
}

/** The first result delivered for a generation (waits for it). */
export async function waitForMedia(
  notifier: RecordingNotifier,
  generationId: string,
  timeoutMs = 15_000,
): Promise<MediaReply> {
  const delivery = await notifier.waitFor(
    (candidate) => candidate.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId),
    timeoutMs,
  );
  const media = delivery.replies.find(
    (reply): reply is MediaReply => reply.type === 'media' && reply.generationId === generationId,
  );
  if (!media) throw new Error('unreachable: the delivery matched');
  return media;
}

/** Resolves when the status message with `key` was sent for a generation. */
export async function waitForStatus(
  notifier: RecordingNotifier,
  generationId: string,
  key: string,
  timeoutMs = 15_000,
): Promise<Reply> {
  const delivery = await notifier.waitFor(
    (candidate) =>
      candidate.replies.some(
        (reply) => reply.type === 'status' && reply.generationId === generationId && reply.text.key === key,
      ),
    timeoutMs,
  );
  return delivery.replies.find(
    (reply) => reply.type === 'status' && reply.generationId === generationId && reply.text.key === key,
  ) as Reply;
}

/** Every result delivered for a generation so far. */
export function mediaDeliveriesOf(notifier: RecordingNotifier, generationId: string): MediaReply[] {
  return notifier
    .allReplies()
    .filter((reply): reply is MediaReply => reply.type === 'media' && reply.generationId === generationId);
}

/** The keys of the status messages sent for a generation, in order. */
export function statusKeysOf(notifier: RecordingNotifier, generationId: string): string[] {
  return notifier
    .allReplies()
    .flatMap((reply) => (reply.type === 'status' && reply.generationId === generationId ? [reply.text.key] : []));
}

/** The ledger entries of one generation as `[kind, delta]`, oldest first. */
export async function ledgerOf(prisma: PrismaClient, generationId: string): Promise<[string, number][]> {
  const entries = await prisma.creditLedgerEntry.findMany({ where: { generationId }, orderBy: { id: 'asc' } });
  return entries.map((entry) => [entry.kind, entry.delta]);
}

export async function userIdOf(prisma: PrismaClient, platformUserId: string): Promise<string> {
  const identity = await prisma.identity.findUniqueOrThrow({
    where: { provider_subject: { provider: 'telegram', subject: platformUserId } },
  });
  return identity.userId;
}

/** Credits the user can spend now. */
export async function balanceOf(t: Pick<TestCore, 'deps'>, platformUserId: string): Promise<number> {
  return (await getBalance(t.deps.prisma, await userIdOf(t.deps.prisma, platformUserId), t.deps.clock.now())).available;
}

/** Polls until `condition` holds, for states with no event to await (a row's status, a queue's count). */
export async function eventually(
  condition: () => Promise<boolean>,
  message: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
