/**
 * Provider concurrency read from the outside, from the moments provider calls ended (the
 * "almost there, sending…" status edit a worker sends right after its call returned), given that
 * every call takes at least `minCallMs` (the demo provider's fixed latency).
 *
 * - Upper bound: if `limit + 1` calls ended within less than `minCallMs` of each other, all of them
 *   had started before the first of them ended, so `limit + 1` ran at once: the limit was broken.
 * - Lower bound: calls whose last `minCallMs` overlap certainly ran together; the most such
 *   overlaps at one instant is a number of calls that really did run at once.
 */
export type ConcurrencyReading = {
  /** The shortest time in which `limit + 1` calls ended, or undefined with too few calls. */
  tightestWindowMs: number | undefined;
  /** Calls certainly running at once at some instant (a lower bound of the true peak). */
  certainPeak: number;
};

export function readConcurrency(endedAt: readonly number[], options: { limit: number; minCallMs: number }): ConcurrencyReading {
  const ends = [...endedAt].sort((a, b) => a - b);
  let tightest: number | undefined;
  for (let index = 0; index + options.limit < ends.length; index += 1) {
    const span = (ends[index + options.limit] ?? 0) - (ends[index] ?? 0);
    tightest = tightest === undefined ? span : Math.min(tightest, span);
  }
  const events = ends.flatMap((end) => [
    { at: end - options.minCallMs, delta: 1 },
    { at: end, delta: -1 },
  ]);
  // Ends before starts at the same instant: touching intervals do not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const event of events) {
    running += event.delta;
    peak = Math.max(peak, running);
  }
  return { tightestWindowMs: tightest, certainPeak: peak };
}
