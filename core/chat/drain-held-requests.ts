import { randomBytes } from 'node:crypto';
import type { ChatHold, HeldRequest } from '#core/chat/chat-hold';
import type { ChatHoldRuntime } from '#core/chat/hold-chat-request';
import type { Reply } from '#core/chat/reply';
import { errorReply, executeChatCommand } from '#core/chat/run-chat-command';
import type { CoreDeps } from '#core/core-deps';
import { isAppError } from '#core/errors/app-error';
import { isDatabaseUnreachable } from '#core/errors/is-database-unreachable';
import type { DeliveryTarget } from '#core/generation/delivery-target';
import { normalizeLocale, type Locale } from '#core/i18n/locales';

/** How often a drain looks at the hold and asks the database whether it answers. */
const POLL_MS = 500;
/** How long a drainer's claim lasts; renewed on every look, so a drainer that died frees it soon. */
const DRAIN_CLAIM_MS = 15_000;
/**
 * Refusals that only say "not yet": too soon after the user's previous admission (the plan's
 * spacing, the burst limit) or while the user's earlier job still runs. Held requests were sent
 * apart in time but are admitted together, so they wait for these rather than being refused.
 */
const WAIT_CODES: ReadonlySet<string> = new Set(['rate_limited', 'too_many_jobs']);
/** How long a fresh held request waits for the adapter to record its status message before it is run anyway. */
const STATUS_MESSAGE_WAIT_MS = 2_000;

/**
 * The drain of held chat requests (see `holdChatRequest`) in this process. `wake` starts it when
 * it is not running; it then polls every 500 ms until the hold is empty. One drainer at a time
 * across the deployment (a claim in the hold) runs the requests in arrival order, so each user's
 * requests keep their order (one refused for now, as too soon after the user's previous one or
 * while that one runs, waits, and the user's later ones with it): once the database answers, each is run as its promised generation
 * (its id, its status message) and removed; one held past `config.chatHold.seconds` is answered
 * "briefly unavailable" and removed, with nothing charged. The answer edits the held status
 * message through this process's notifier for the platform; a process without one leaves the
 * request to a process that has it. A drainer that dies after admitting and before removing
 * leaves the request to the next one, whose admission of the same event writes nothing
 * (`admitGeneration`'s idempotency), so each request is admitted once.
 */
export function createHeldRequestDrain(deps: CoreDeps, store: ChatHold): ChatHoldRuntime {
  const owner = `${process.pid}:${randomBytes(4).toString('hex')}`;
  const log = deps.logger.child({ component: 'chat-hold' });
  let running: Promise<void> | undefined;

  async function loop(): Promise<void> {
    for (;;) {
      const entries = await store.list().catch((error: unknown) => {
        log.warn({ err: error }, 'could not read the held requests');
        return undefined;
      });
      if (entries?.length === 0) return;
      if (entries && (await store.claimDrain(owner, DRAIN_CLAIM_MS).catch(() => false))) {
        try {
          await drainOnce(entries);
        } catch (error) {
          log.error({ err: error }, 'draining the held requests failed; trying again');
        } finally {
          await store.releaseDrain(owner).catch(() => undefined);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS).unref());
    }
  }

  async function drainOnce(entries: HeldRequest[]): Promise<void> {
    const isUp = await deps.prisma.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );
    // A user whose request must wait (the plan's spacing since the one just admitted) keeps the
    // rest of theirs waiting too, so each user's requests stay in order; others go on.
    const waitingUsers = new Set<string>();
    for (const entry of entries) {
      // Another process, with that platform's notifier, answers this one; the rest go on.
      if (!deps.notifiers[entry.request.actor.platform]) continue;
      const user = `${entry.request.actor.platform}:${entry.request.actor.platformUserId}`;
      if (Date.now() - entry.heldAt > deps.config.chatHold.seconds * 1000) {
        const ref = randomBytes(4).toString('hex');
        log.warn(
          { heldId: entry.id, ref },
          'a held request waited too long for the database; answered "briefly unavailable"',
        );
        await tell(
          entry,
          [{ type: 'status', generationId: entry.id, text: { key: 'errors.temporarily_unavailable', vars: { ref } } }],
          localeOf(entry),
        );
        await store.remove(entry.id);
        waitingUsers.add(user);
        continue;
      }
      if (!isUp) return;
      if (waitingUsers.has(user)) continue;
      if (!entry.statusMessageId && Date.now() - entry.heldAt < STATUS_MESSAGE_WAIT_MS) return;
      const outcome = await runHeld(entry);
      if (outcome === 'unreachable') return;
      if (outcome === 'later') {
        waitingUsers.add(user);
        continue;
      }
      await store.remove(entry.id);
    }
  }

  /**
   * Runs a held request and tells the user. `unreachable`: the database is away again; `later`:
   * refused only for now (see {@link WAIT_CODES}), tried again on a later pass; either way it
   * stays held.
   */
  async function runHeld(entry: HeldRequest): Promise<'done' | 'later' | 'unreachable'> {
    const entryLog = deps.logger.child({
      platform: entry.request.actor.platform,
      eventId: entry.request.eventId,
      userId: entry.request.actor.platformUserId,
      heldId: entry.id,
    });
    const state: { locale?: Locale } = {};
    let replies: Reply[];
    try {
      replies = await executeChatCommand(deps, entry.request, {
        log: entryLog,
        state,
        held: { generationId: entry.id, statusMessageId: entry.statusMessageId },
      });
    } catch (error) {
      if (isDatabaseUnreachable(error)) return 'unreachable';
      if (isAppError(error) && WAIT_CODES.has(error.code)) return 'later';
      replies = [errorReply(error, entryLog, deps.config.supportEmail)];
    }
    entryLog.info({ heldForMs: Date.now() - entry.heldAt }, 'held request run');
    await tell(entry, replies, state.locale ?? localeOf(entry));
    return 'done';
  }

  /**
   * Shows the outcome in the held status message: a status of the promised generation as it is
   * (unless the job already moved on: its worker edits the message itself), a message edited in
   * as the status's text. Best effort: the job's own progress and result follow anyway.
   */
  async function tell(entry: HeldRequest, replies: Reply[], locale: Locale): Promise<void> {
    const notifier = deps.notifiers[entry.request.actor.platform];
    if (!notifier) return;
    const [first, ...rest] = replies;
    if (!first) return;
    let shown: Reply[];
    if (first.type === 'status' && first.generationId === entry.id) {
      const generation = await deps.prisma.generation
        .findUnique({ where: { id: entry.id }, select: { status: true } })
        .catch(() => null);
      shown = generation && generation.status !== 'queued' ? rest : replies;
    } else if (first.type === 'message' && !Array.isArray(first.text) && !first.buttons) {
      shown = [{ type: 'status', generationId: entry.id, text: first.text, locale: first.locale ?? locale }, ...rest];
    } else {
      shown = replies;
    }
    if (shown.length === 0) return;
    await notifier
      .send(targetOf(entry, locale), shown)
      .catch((error: unknown) =>
        log.warn({ err: error, heldId: entry.id }, 'could not tell the user how the held request went'),
      );
  }

  return {
    store,
    awaitingStatusMessage: new Set(),
    wake() {
      if (running) return;
      running = loop()
        .catch((error: unknown) => log.error({ err: error }, 'the drain of held requests stopped'))
        .finally(() => {
          running = undefined;
        });
    },
  };
}

function localeOf(entry: HeldRequest): Locale {
  return normalizeLocale(entry.request.actor.locale);
}

function targetOf(entry: HeldRequest, locale: Locale): DeliveryTarget {
  const { request } = entry;
  return {
    platform: request.actor.platform,
    chatId: request.chat.id,
    chatType: request.chat.type,
    platformUserId: request.actor.platformUserId,
    locale,
    replyToMessageId: request.chat.messageId,
    statusMessageId: entry.statusMessageId,
    extra: request.chat.delivery,
  };
}
