import { randomBytes } from 'node:crypto';
import type { FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { sendImagine, textOf, type ChatWatcher } from '#tests/ops/scale-out/chat-users';

/** What the simulated users saw while a load ran. */
export type LoadTally = {
  /** `/imagine` updates sent. */
  requests: number;
  pictures: number;
  /** Ended without a picture: failed and refunded, timed out, refused, "too fast", an error. */
  ended: number;
  /** No answer at all within `answerTimeoutMs` (a user left without an answer). */
  unanswered: number;
  /** How many times each ending message was seen (numbers shown as #). */
  endings: Record<string, number>;
  /** The same by the ending message's catalog key (`other` when it is none of ours). */
  endingKeys: Record<string, number>;
  /** Which requests got no answer: the user and when the update was sent. */
  silences: { userId: number; sentAt: Date }[];
};

/** A running load; `stop` stops new requests and waits for the answers of those under way. */
export type RunningLoad = { stop(): Promise<LoadTally> };

/**
 * Users who each send `/imagine`, wait for its end (picture or ending message), pause and send
 * again: a closed loop, so the load adapts to the service instead of piling up without bound.
 * Every wait is bounded by `answerTimeoutMs`; a picture counts only when it is this request's
 * (its caption shows the request's prompt).
 */
export function startClosedLoop(
  telegram: FakeTelegram,
  watcher: ChatWatcher,
  options: { userIds: readonly number[]; thinkMs: number; answerTimeoutMs: number },
): RunningLoad {
  const tally: LoadTally = {
    requests: 0,
    pictures: 0,
    ended: 0,
    unanswered: 0,
    endings: {},
    endingKeys: {},
    silences: [],
  };
  let isStopping = false;
  const loop = async (userId: number, index: number) => {
    await new Promise((resolve) => setTimeout(resolve, index * 150));
    while (!isStopping) {
      // A token of this request in the prompt, which the result's caption repeats.
      const prompt = `a paper boat on a pond, take ${tally.requests + 1} ${randomBytes(3).toString('hex')}`;
      const since = sendImagine(telegram, userId, prompt);
      tally.requests += 1;
      const outcome = await watcher.waitForOutcome(userId, since, options.answerTimeoutMs, { prompt });
      if (!outcome) {
        tally.unanswered += 1;
        tally.silences.push({ userId, sentAt: new Date(since) });
      } else if (outcome.kind === 'picture') tally.pictures += 1;
      else {
        tally.ended += 1;
        const label = (textOf(outcome.call) ?? outcome.key ?? 'other')
          .replace(/\(ref \w+\)/, '(ref …)')
          .replace(/\d+/g, '#')
          .slice(0, 90);
        tally.endings[label] = (tally.endings[label] ?? 0) + 1;
        const key = outcome.key ?? 'other';
        tally.endingKeys[key] = (tally.endingKeys[key] ?? 0) + 1;
      }
      // Past the free plan's 3 s spacing, so a fast answer is not followed by "too fast".
      await new Promise((resolve) => setTimeout(resolve, options.thinkMs));
    }
  };
  const loops = options.userIds.map((userId, index) => loop(userId, index));
  return {
    async stop() {
      isStopping = true;
      await Promise.all(loops);
      return tally;
    },
  };
}
