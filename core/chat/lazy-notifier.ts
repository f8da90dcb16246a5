import type { Notifier } from '#core/chat/notifier';

/**
 * A {@link Notifier} whose adapter is built on its first message: a process that never writes to
 * a platform never loads that platform's SDK (discord.js alone is ~36 MiB of memory). Every send
 * waits for the same build; a build that failed is tried again on the next send.
 */
export function createLazyNotifier(load: () => Promise<Notifier>): Notifier {
  let loading: Promise<Notifier> | undefined;
  return {
    send: async (target, replies) => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return (await loading).send(target, replies);
    },
  };
}
