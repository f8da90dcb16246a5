import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '#core/providers/provider-error';

/**
 * How the demo providers stop when the caller's `AbortSignal` fires. They throw a
 * `ProviderError` of kind `transient`, with the signal's reason as `cause`, rather than a bare
 * `AbortError`: the port promises `ProviderError` for every failure, and an abort is what a
 * timeout looks like from the provider's side (try again or elsewhere). A caller that aborted on
 * purpose knows it did (`signal.aborted`) and should not fail over.
 */

/** The error the demo providers throw when `signal` has fired. */
export function createDemoAbortError(provider: string, signal: AbortSignal): ProviderError {
  return new ProviderError(provider, 'transient', 'The demo request was aborted', { cause: signal.reason });
}

/** Throws {@link createDemoAbortError} if `signal` has already fired. */
export function throwIfDemoAborted(provider: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw createDemoAbortError(provider, signal);
}

/**
 * Waits `ms` milliseconds, or less if `signal` fires first, then throws. With `ms` 0 it still
 * yields to the event loop once, so an abort sent while a batch is rendering is seen between
 * pictures rather than after all of them.
 */
export async function waitOrAbort(provider: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
  throwIfDemoAborted(provider, signal);
  try {
    const options = signal === undefined ? undefined : { signal };
    await (ms > 0 ? sleep(ms, undefined, options) : nextTurn(undefined, options));
  } catch (error) {
    if (signal?.aborted === true) throw createDemoAbortError(provider, signal);
    throw error;
  }
}
