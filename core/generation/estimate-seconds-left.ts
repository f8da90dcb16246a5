/**
 * Seconds until a waiting job is done: `ahead` jobs go first, `parallel` at a time, each taking
 * about `medianSeconds` (the model's measured median), then the job itself. Undefined without a
 * measurement: no made-up number.
 */
export function estimateQueuedSeconds(
  medianSeconds: number | undefined,
  ahead: number,
  parallel: number,
): number | undefined {
  if (medianSeconds === undefined || !(medianSeconds > 0)) return undefined;
  return medianSeconds * (Math.floor(Math.max(0, ahead) / Math.max(1, parallel)) + 1);
}

/**
 * Seconds until a running job is done: the backend's own estimate when it gives one; else from its
 * percentage and the time spent (elapsed / fraction - elapsed) once it moved; else the model's
 * measured median minus the time spent, while that is still ahead. Undefined when nothing is known.
 */
export function estimateRunningSeconds(input: {
  medianSeconds: number | undefined;
  elapsedSeconds: number;
  fraction?: number | undefined;
  backendEtaSeconds?: number | undefined;
}): number | undefined {
  if (input.backendEtaSeconds !== undefined && input.backendEtaSeconds > 0) return input.backendEtaSeconds;
  if (input.fraction !== undefined && input.fraction >= 0.05 && input.fraction < 1 && input.elapsedSeconds > 0)
    return input.elapsedSeconds / input.fraction - input.elapsedSeconds;
  if (input.medianSeconds === undefined) return undefined;
  const left = input.medianSeconds - input.elapsedSeconds;
  return left > 0 ? left : undefined;
}
