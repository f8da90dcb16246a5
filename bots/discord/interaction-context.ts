import type { Core, Logger } from '#core';
import type { PendingRenders } from '#bots/discord/pending-renders';

/** What every interaction handler gets: the core, a child logger for this interaction, and the render registry. */
export type InteractionContext = {
  core: Core;
  log: Logger;
  pendingRenders: PendingRenders;
};
