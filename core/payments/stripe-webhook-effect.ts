import type { PrismaClient } from '#core/infra/db/create-database';
import type { Tx } from '#core/credits/ledger-transaction';

/**
 * What one webhook event does, worked out from objects re-read from Stripe: the account whose
 * lock is taken (none when no account is concerned), and the writes, run in the transaction that
 * also marks the event processed.
 */
export type WebhookEffect = { userId: string | undefined; apply(tx: Tx): Promise<void>; note: string };

/** An effect that writes nothing (the event is still marked processed). */
export function noEffect(note: string): WebhookEffect {
  return { userId: undefined, apply: async () => undefined, note };
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
