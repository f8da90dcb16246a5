/**
 * Waits `ms`, or less when `signal` aborts first; resolves either way (never rejects), so a loop
 * that backs off can check its own state afterwards. Resolves at once for an aborted signal or a
 * wait of 0 or less.
 */
export function sleepUntilAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
