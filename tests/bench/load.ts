import { setTimeout as sleep } from 'node:timers/promises';

/** What one load phase measured. */
export type LoadResult = {
  /** Operations that succeeded. */
  ok: number;
  /** Operations that answered something else (an error reply) or threw. */
  failed: number;
  elapsedMs: number;
  /** Latency of every successful operation, in milliseconds. */
  latenciesMs: number[];
  /** The highest resident set size sampled during the phase, in bytes. */
  peakRssBytes: number;
  /** CPU time (user + system) this process spent during the phase, in milliseconds. */
  cpuMs: number;
};

/** Samples this process's peak RSS and its CPU time from now until `stop`. */
function sampleProcess(): { stop(): { peakRssBytes: number; cpuMs: number } } {
  let peak = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const used = process.cpuUsage(cpu);
      return { peakRssBytes: Math.max(peak, process.memoryUsage().rss), cpuMs: (used.user + used.system) / 1000 };
    },
  };
}

/**
 * Closed loop: `concurrency` callers each run `operation` again as soon as the last one answered,
 * for `durationMs` or until `operation` has no more work (returns undefined). Measures the
 * sustainable rate.
 */
export async function runClosedLoop(
  operation: () => Promise<boolean> | undefined,
  options: { concurrency: number; durationMs: number },
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, elapsedMs: 0, latenciesMs: [], peakRssBytes: 0, cpuMs: 0 };
  const sampler = sampleProcess();
  const started = performance.now();
  const stopAt = started + options.durationMs;
  const caller = async () => {
    while (performance.now() < stopAt) {
      const begun = performance.now();
      const pending = operation();
      if (!pending) return;
      const isOk = await pending.catch(() => false);
      if (isOk) {
        result.ok += 1;
        result.latenciesMs.push(performance.now() - begun);
      } else {
        result.failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  result.elapsedMs = performance.now() - started;
  Object.assign(result, sampler.stop());
  return result;
}

/**
 * Open loop: starts `operation` at a fixed `ratePerSecond` for `durationMs`, whether or not earlier
 * ones answered, and measures each latency from the moment it was due (so a stall shows up in the
 * percentiles instead of silently lowering the rate).
 */
export async function runPaced(
  operation: () => Promise<boolean> | undefined,
  options: { ratePerSecond: number; durationMs: number },
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, elapsedMs: 0, latenciesMs: [], peakRssBytes: 0, cpuMs: 0 };
  const sampler = sampleProcess();
  const started = performance.now();
  const total = Math.floor((options.ratePerSecond * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSecond;
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const dueAt = started + index * intervalMs;
    const wait = dueAt - performance.now();
    if (wait > 1) await sleep(wait);
    const pending = operation();
    if (!pending) break;
    inFlight.push(
      pending.then(
        (isOk) => {
          if (!isOk) {
            result.failed += 1;
            return;
          }
          result.ok += 1;
          result.latenciesMs.push(performance.now() - dueAt);
        },
        () => {
          result.failed += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - started;
  Object.assign(result, sampler.stop());
  return result;
}
