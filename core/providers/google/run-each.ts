/**
 * Runs `count` calls of `call` at once (count is at most 4, a provider's `maxCount`) and returns
 * their results in order. APIs that make one image per request (Gemini, OpenRouter) use it for
 * `count` > 1: in parallel the batch takes as long as one image instead of `count` times as long,
 * which matters against the job deadline. When one call fails, the others are aborted (they
 * would be paid for and thrown away) and the first failure is thrown.
 */
export async function runEach<T>(
  count: number,
  signal: AbortSignal | undefined,
  call: (index: number, signal: AbortSignal) => Promise<T>,
): Promise<T[]> {
  const siblings = new AbortController();
  const linked = signal === undefined ? siblings.signal : AbortSignal.any([signal, siblings.signal]);
  try {
    return await Promise.all(Array.from({ length: count }, (_, index) => call(index, linked)));
  } catch (error) {
    siblings.abort();
    throw error;
  }
}
