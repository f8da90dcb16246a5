import type { GenerationKind } from '#core/infra/db/generated/enums';
import type { GenerationEnd, MetricsRecorder, ProviderCallOutcome } from '#core/metrics/metrics-recorder';
import { ProviderError } from '#core/providers/provider-error';

/**
 * Runs one provider call and records its duration and outcome. A call cut short because the job
 * itself was interrupted (`interrupted`: shutdown, lost lock) is not the provider's failure and is
 * not recorded; a call that ended because the job's deadline passed counts as `timeout`.
 */
export async function measureProviderCall<T>(
  metrics: MetricsRecorder | undefined,
  call: { provider: string; kind: GenerationKind; deadline: AbortSignal; interrupted: AbortSignal },
  task: () => Promise<T>,
): Promise<T> {
  if (!metrics) return task();
  const startedAt = performance.now();
  const seconds = () => (performance.now() - startedAt) / 1000;
  try {
    const result = await task();
    metrics.observeProviderCall({ provider: call.provider, kind: call.kind, seconds: seconds(), outcome: 'ok' });
    return result;
  } catch (error) {
    if (!call.interrupted.aborted) {
      metrics.observeProviderCall({
        provider: call.provider,
        kind: call.kind,
        seconds: seconds(),
        outcome: outcomeOf(error, call.deadline),
      });
    }
    throw error;
  }
}

/**
 * Records a generation's end: its latency since admission and what happened to its credits
 * (`settled`: the reservation was captured or released by this very end, with its amount).
 */
export function recordGenerationEnd(
  metrics: MetricsRecorder | undefined,
  end: Omit<GenerationEnd, 'seconds'> & {
    createdAt: Date;
    endedAt: Date;
    settled: { outcome: string; amount: number } | undefined;
  },
): void {
  if (!metrics) return;
  metrics.observeGenerationEnd({
    kind: end.kind,
    provider: end.provider,
    status: end.status,
    seconds: (end.endedAt.getTime() - end.createdAt.getTime()) / 1000,
  });
  if (end.settled?.outcome === 'captured') metrics.countCreditsSpent(end.settled.amount, end.kind);
  if (end.settled?.outcome === 'released') metrics.countCreditsRefunded(end.settled.amount, `generation_${end.status}`);
}

function outcomeOf(error: unknown, deadline: AbortSignal): ProviderCallOutcome {
  if (error instanceof ProviderError) return error.kind;
  return deadline.aborted ? 'timeout' : 'unknown';
}
