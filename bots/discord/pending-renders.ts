/**
 * Orders the first answer to an interaction before the job updates that edit the same message.
 * Core enqueues a job inside `core.chat.run`, so a worker in this process can report progress or
 * even the result before the adapter has rendered the "queued" status; without this, that late
 * status edit would overwrite the result. The handler marks an interaction token busy until its
 * replies are rendered, and the notifier waits for it. Within one process only: a worker in
 * another process is not held back.
 */
export type PendingRenders = {
  /** Marks `token` busy; call the returned function once the replies are rendered. */
  begin(token: string): () => void;
  /** Resolves once `token` is not busy (at once when it never was), or after `timeoutMs`. */
  settled(token: string | undefined, timeoutMs?: number): Promise<void>;
};

/** Waits at most this long for a render, so a stuck interaction never holds a job's delivery. */
const DEFAULT_WAIT_MS = 15_000;

/** A fresh registry of interactions being rendered. */
export function createPendingRenders(): PendingRenders {
  const busy = new Map<string, Promise<void>>();
  return {
    begin(token) {
      let finish = () => {};
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      busy.set(token, done);
      return () => {
        if (busy.get(token) === done) busy.delete(token);
        finish();
      };
    },
    async settled(token, timeoutMs = DEFAULT_WAIT_MS) {
      const done = token === undefined ? undefined : busy.get(token);
      if (!done) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([done, timeout]);
      clearTimeout(timer);
    },
  };
}
