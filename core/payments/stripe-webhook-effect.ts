import type { PrismaClient } from '#core/infra/db/create-database';
import type { Tx } from '#core/credits/ledger-transaction';

/**
 * How an event ended, as recorded on its processed mark: `applied` (its writes were made),
 * `ignored` (about an object that is not ours, unknown or gone: acknowledged, nothing written) or
 * `held_for_review` (paid, but not the catalog's price: a PaymentReview, nothing credited).
 */
export type EffectOutcome = 'applied' | 'ignored' | 'held_for_review';

/**
 * What one webhook event does, worked out from objects re-read from Stripe: the account whose
 * lock is taken (none when no account is concerned), and the writes, run in the transaction that
 * also marks the event processed. `afterCommit` runs once, only when this delivery committed
 * them (never for a duplicate): for messages to the buyer and error logs; it must not throw.
 */
export type WebhookEffect = {
  userId: string | undefined;
  apply(tx: Tx): Promise<void>;
  note: string;
  outcome?: EffectOutcome;
  afterCommit?: () => Promise<void>;
};

/** An event about nothing of ours: it writes nothing; its mark records `ignored` and why. */
export function noEffect(note: string): WebhookEffect {
  return { userId: undefined, apply: async () => undefined, note, outcome: 'ignored' };
}

/**
 * A client whose `$transaction` runs inside `tx`, so core's credit use cases that open their own
 * transaction (`clawBackCredits`) commit together with the webhook's other writes and its
 * processed-event mark. Their account lock is taken again in the same transaction, a no-op.
 */
export function inTransaction(tx: Tx): PrismaClient {
  return new Proxy(tx, {
    get(target, property, receiver) {
      if (property === '$transaction') return (work: (inner: Tx) => Promise<unknown>) => work(target);
      return Reflect.get(target, property, receiver) as unknown;
    },
  }) as unknown as PrismaClient;
}
