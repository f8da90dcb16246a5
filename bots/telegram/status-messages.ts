/** How many jobs the process remembers; the oldest are forgotten first. */
const MAX_TRACKED = 10_000;

type Entry = { messageId: string | undefined; isDelivered: boolean; queue: Promise<unknown> };

/**
 * The status message of each job this process has shown, so the request's "queued" reply and
 * the worker's progress notices (which may come first: the worker can start before the reply
 * is sent) share one message, and a late progress notice never lands after the result.
 * Core keeps the id too (`rememberStatusMessage`), for workers in other processes.
 */
export type StatusMessages = {
  /** Runs `task` after earlier tasks of the same job, so one sends and the next edits. */
  serialize<T>(generationId: string, task: () => Promise<T>): Promise<T>;
  messageIdOf(generationId: string): string | undefined;
  remember(generationId: string, messageId: string): void;
  /** The result was sent: later status notices of this job are stale. */
  markDelivered(generationId: string): void;
  isDelivered(generationId: string): boolean;
};

/** An in-memory {@link StatusMessages}, bounded to the most recent jobs. */
export function createStatusMessages(): StatusMessages {
  const entries = new Map<string, Entry>();
  const entryOf = (generationId: string): Entry => {
    let entry = entries.get(generationId);
    if (!entry) {
      entry = { messageId: undefined, isDelivered: false, queue: Promise.resolve() };
      entries.set(generationId, entry);
      if (entries.size > MAX_TRACKED) entries.delete(entries.keys().next().value as string);
    }
    return entry;
  };
  return {
    serialize(generationId, task) {
      const entry = entryOf(generationId);
      const run = entry.queue.then(task, task);
      entry.queue = run.catch(() => undefined);
      return run;
    },
    messageIdOf: (generationId) => entries.get(generationId)?.messageId,
    remember(generationId, messageId) {
      entryOf(generationId).messageId = messageId;
    },
    markDelivered(generationId) {
      entryOf(generationId).isDelivered = true;
    },
    isDelivered: (generationId) => entries.get(generationId)?.isDelivered ?? false,
  };
}
