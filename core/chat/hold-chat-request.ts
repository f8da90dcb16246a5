import type { ChatHold, HeldRequest } from '#core/chat/chat-hold';
import type { CommandRequest } from '#core/chat/command-request';
import type { ChatContext } from '#core/chat/chat-context';
import type { Reply } from '#core/chat/reply';
import type { CoreDeps } from '#core/core-deps';
import { newRowId } from '#core/infra/db/new-row-id';

/** The hold of this process: where requests wait, and how to start draining them. */
export type ChatHoldRuntime = {
  store: ChatHold;
  /** Makes sure a drain runs (see `createHeldRequestDrain`). */
  wake(): void;
  /**
   * Requests this process held whose status message the adapter has not recorded yet: only
   * those are looked up in the hold when it does, so other status messages never wait on Redis.
   */
  awaitingStatusMessage: Set<string>;
};

/** How many requests of one person may wait at once; more are answered "briefly unavailable". */
const MAX_HELD_PER_USER = 3;

/** How long holding may take before the request is refused instead (the hold's Redis is away too). */
const ADD_TIMEOUT_MS = 2_000;

/** Requests that start a generation: the ones worth holding. The rest can simply be sent again. */
const HOLDABLE_COMMANDS: ReadonlySet<string> = new Set(['imagine', 'video']);
const HOLDABLE_ACTIONS: ReadonlySet<string> = new Set(['reroll', 'vary', 'upscale']);

/** Whether a request may be held: a generation request without attachments (bytes are not held). */
export function isHoldable(request: CommandRequest): boolean {
  if (request.attachments?.length) return false;
  return HOLDABLE_COMMANDS.has(request.command?.name ?? '') || HOLDABLE_ACTIONS.has(request.action?.name ?? '');
}

/**
 * Holds a generation request the database could not admit (it is unreachable: a restart, a
 * crash), so the user loses nothing and need not send it again: it waits in `runtime.store`
 * (Redis when configured, else memory; at most `config.chatHold.maxRequests`, and
 * {@link MAX_HELD_PER_USER} of one person) and is admitted
 * once the database answers, in arrival order, by the drain; a request held longer than
 * `config.chatHold.seconds` is answered "briefly unavailable" instead, with nothing charged. The
 * answer now is the future job's status message, "Received, waiting for the service to
 * recover…", which the job's progress and result then replace. Undefined when the request is
 * not held (not a generation request, holding is off, the hold is full or unreachable): the
 * caller answers "briefly unavailable" as before.
 */
export async function holdChatRequest(
  deps: Pick<CoreDeps, 'config'>,
  runtime: ChatHoldRuntime,
  request: CommandRequest,
  log: ChatContext['log'],
): Promise<Reply[] | undefined> {
  const { seconds, maxRequests } = deps.config.chatHold;
  if (seconds === 0 || !isHoldable(request)) return undefined;
  const { attachments: _attachments, ...kept } = request;
  const entry: HeldRequest = { id: newRowId(), request: kept, heldAt: Date.now() };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ADD_TIMEOUT_MS);
  });
  const adding = runtime.store
    .add(entry, { total: maxRequests, perUser: MAX_HELD_PER_USER })
    .catch((error: unknown) => {
      log.warn({ err: error }, 'could not hold the request');
      return false;
    });
  const isAdded = await Promise.race([adding, timeout]).finally(() => clearTimeout(timer));
  if (!isAdded) {
    // Refused after all: a late add must not be admitted behind the user's back.
    void adding.then((isLate) => (isLate ? runtime.store.remove(entry.id) : undefined)).catch(() => undefined);
    log.warn(
      { maxRequests },
      'the database is unreachable and the hold is full or unreachable; the request is refused',
    );
    return undefined;
  }
  log.warn({ heldId: entry.id }, 'the database is unreachable; the request is held until it answers');
  runtime.awaitingStatusMessage.add(entry.id);
  runtime.wake();
  return [{ type: 'status', generationId: entry.id, text: { key: 'job.held' } }];
}
