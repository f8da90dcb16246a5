import type { DeliveryTarget, Notifier, Reply } from '#core';

/** What a notifier was asked to send. */
export type Delivery = { target: DeliveryTarget; replies: Reply[] };

/** A Notifier that keeps what it is given, for tests of core without a chat platform. */
export class RecordingNotifier implements Notifier {
  readonly deliveries: Delivery[] = [];
  /** Sends refused by {@link refuseNext}, in order (not in `deliveries`). */
  readonly refused: Delivery[] = [];
  private waiters: { predicate: (delivery: Delivery) => boolean; resolve: (delivery: Delivery) => void }[] = [];
  private refusals: { predicate: (delivery: Delivery) => boolean; error: () => Error; left: number }[] = [];

  async send(target: DeliveryTarget, replies: Reply[]): Promise<{ statusMessageId?: string }> {
    const delivery = { target, replies };
    const refusal = this.refusals.find((candidate) => candidate.left > 0 && candidate.predicate(delivery));
    if (refusal) {
      refusal.left -= 1;
      this.refused.push(delivery);
      throw refusal.error();
    }
    this.deliveries.push(delivery);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate(delivery)) return true;
      waiter.resolve(delivery);
      return false;
    });
    return {};
  }

  /** Makes the next `count` sends that match throw `error()`, as a platform refusing them would. */
  refuseNext(
    count: number,
    predicate: (delivery: Delivery) => boolean,
    error: () => Error = () => new Error('429: Too Many Requests'),
  ): void {
    this.refusals.push({ predicate, error, left: count });
  }

  /** Resolves with the first delivery (already made or coming) that matches. */
  waitFor(predicate: (delivery: Delivery) => boolean, timeoutMs = 10_000): Promise<Delivery> {
    const found = this.deliveries.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching delivery within ${timeoutMs} ms; got ${JSON.stringify(this.deliveries.map((d) => d.replies.map((r) => r.type)))}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (delivery) => {
          clearTimeout(timer);
          resolve(delivery);
        },
      });
    });
  }

  /** Every reply sent, in order. */
  allReplies(): Reply[] {
    return this.deliveries.flatMap((delivery) => delivery.replies);
  }
}
