import { BrokenCircuitError, CircuitState } from 'cockatiel';
import type { CoreDeps } from '#core/core-deps';
import { GenerationEndedError } from '#core/generation/generation-ended';
import { notifyJob } from '#core/generation/notify-job';
import { ProviderError } from '#core/providers/provider-error';
import { backoffDelayMs } from '#core/providers/provider-resilience';
import type { Route } from '#core/providers/route-model';
import { sleepUntilAborted } from '#core/infra/sleep-until-aborted';

/** How the provider calls of one job ended. */
export type RoutesOutcome<T> =
  | { kind: 'done'; value: T; route: Route }
  /** The provider's safety system refused: never retried, never sent elsewhere. */
  | { kind: 'refused'; route: Route; error: ProviderError }
  /** The request cannot be served as asked: never retried. */
  | { kind: 'invalid'; route: Route; error: ProviderError }
  /**
   * No route delivered before the deadline. `provider_unavailable` when providers failed or had
   * to be skipped (the user is told the service was unavailable), `generation_timeout` when the
   * deadline cut short calls that were merely slow.
   */
  | { kind: 'gave_up'; errorCode: 'provider_unavailable' | 'generation_timeout'; lastError: unknown };

type CallJob = {
  generationId: string;
  /** Fires at the job's deadline or when the worker lets the job go. */
  signal: AbortSignal;
  /** Fires only when the worker lets the job go (shutdown, lost lock): then nothing is retried. */
  interrupted: AbortSignal;
  /** When the job's deadline passes, in `Date.now()` terms (the same instant as `signal`'s timer, whatever the `Clock` says). */
  deadlineMs: number;
};

/**
 * Calls `routes` (preferred first) until one delivers, for as long as the job's deadline allows.
 * A transient failure (5xx, 429, a call's time-out, a reset connection) is tried again on the same
 * route after an exponential backoff with jitter, never sooner than the provider's `Retry-After`;
 * after `attemptsPerRoute` tries in a row the next route is tried, and the list is walked again
 * while time is left. A 429 pauses the whole provider (the shared cool-down), so other jobs wait
 * too. A provider whose circuit is open, or whose pause outlasts the deadline, is skipped. An
 * `auth` failure moves to the next route at once; a refusal or an invalid request ends the loop.
 *
 * Every call is counted on the generation row (`providerAttempts`, `providerLastError`) and every
 * retry in the metrics; on the first retry the user's status message says the service is busy.
 * `GenerationEndedError` (cancelled or swept meanwhile) and the worker's own interruption are thrown.
 */
export async function callProviderRoutes<T>(
  deps: CoreDeps,
  job: CallJob,
  routes: Route[],
  call: (route: Route) => Promise<T>,
): Promise<RoutesOutcome<T>> {
  const { settings, coolDown } = deps.providerResilience;
  const log = deps.logger.child({ generationId: job.generationId });
  const failuresOf = new Map<string, number>();
  /** Routes whose provider refused our key (`auth`): never called again in this job. */
  const refused = new Set<string>();
  let index = 0;
  let streak = 0;
  let skipsInARow = 0;
  let hasFailed = false;
  let hasToldUser = false;
  let lastError: unknown;
  const timeLeft = () => job.deadlineMs - Date.now();
  const gaveUp = (): RoutesOutcome<T> => ({
    kind: 'gave_up',
    errorCode: hasFailed ? 'provider_unavailable' : 'generation_timeout',
    lastError,
  });
  const tellUserOnce = async () => {
    if (hasToldUser) return;
    hasToldUser = true;
    await notifyJob(deps, job.generationId, [
      { type: 'status', generationId: job.generationId, text: { key: 'job.provider_busy' } },
    ]);
  };
  // The record is for operators: a database blip while writing it must not cost the job its picture.
  const recordAttempt = async (data: { providerAttempts: { increment: number } } | { providerLastError: string }) => {
    try {
      await deps.prisma.generation.update({ where: { id: job.generationId }, data });
    } catch (error) {
      log.warn({ err: error }, 'could not record a provider attempt on the generation');
    }
  };
  const moveOn = () => {
    index = (index + 1) % routes.length;
    streak = 0;
  };

  if (routes.length === 0) return { kind: 'gave_up', errorCode: 'provider_unavailable', lastError: undefined };
  for (;;) {
    if (job.interrupted.aborted) throw lastError ?? new Error('job interrupted');
    if (job.signal.aborted) return gaveUp();
    const route = routes[index] as Route;
    if (refused.has(routeKey(route))) {
      moveOn();
      continue;
    }
    const breaker = deps.providerResilience.breakerFor(route.provider);

    if (skipsInARow >= routes.length - refused.size) {
      // Every route is broken or paused: wait for the first to take calls again, unless that is past the deadline.
      hasFailed = true;
      const open = routes.filter((candidate) => !refused.has(routeKey(candidate)));
      const callableAt = Math.min(
        ...(await Promise.all(
          open.map(async (candidate) =>
            Math.max(
              deps.providerResilience.openUntilMs(candidate.provider),
              Date.now() + (await coolDown.remainingMs(candidate.provider)),
            ),
          ),
        )),
      );
      if (callableAt >= job.deadlineMs) return gaveUp();
      await tellUserOnce();
      await sleepUntilAborted(
        Math.max(callableAt - Date.now(), Math.min(settings.baseDelayMs, timeLeft())),
        job.signal,
      );
      skipsInARow = 0;
      continue;
    }
    if (breaker.state === CircuitState.HalfOpen) {
      // Another job's probe is deciding whether this provider is back: do not queue behind it.
      skip(route, 'breaker_open');
      continue;
    }
    const pause = await coolDown.remainingMs(route.provider);
    if (pause > 0) {
      if (pause >= timeLeft()) {
        skip(route, 'cooling_down');
        if (routes.every((candidate) => candidate.provider === route.provider || refused.has(routeKey(candidate))))
          return gaveUp();
        continue;
      }
      await tellUserOnce();
      await sleepUntilAborted(pause, job.signal);
      if (job.signal.aborted) continue;
    }

    try {
      // Counted inside the breaker: an open breaker refuses without a call, and that is no attempt.
      const value = await breaker.execute(async () => {
        await recordAttempt({ providerAttempts: { increment: 1 } });
        return call(route);
      });
      return { kind: 'done', value, route };
    } catch (error) {
      if (error instanceof GenerationEndedError) throw error;
      if (error instanceof BrokenCircuitError) {
        skip(route, 'breaker_open');
        continue;
      }
      skipsInARow = 0;
      lastError = error;
      if (job.interrupted.aborted) throw error;
      const failure =
        error instanceof ProviderError
          ? error
          : new ProviderError(route.provider, 'transient', `${route.provider}: ${String(error)}`, { cause: error });
      if (failure.kind === 'refused') return { kind: 'refused', route, error: failure };
      if (failure.kind === 'invalid') return { kind: 'invalid', route, error: failure };
      if (job.signal.aborted) return gaveUp(); // the deadline cut this call short: not the provider's failure
      hasFailed = true;
      const cause = failure.reason;
      await recordAttempt({
        providerLastError: `${route.provider}:${cause}${failure.status === undefined ? '' : `:${failure.status}`}`,
      });
      const key = routeKey(route);
      const failures = (failuresOf.get(key) ?? 0) + 1;
      failuresOf.set(key, failures);
      streak += 1;
      if (cause === 'rate_limited')
        await coolDown.coolDown(route.provider, backoffDelayMs(settings, failures, failure.retryAfterMs));
      deps.metrics?.countProviderRetry(route.provider, failure.kind === 'auth' ? 'auth' : cause);
      log.warn(
        { err: failure, provider: route.provider, model: route.model, attempt: failures },
        'provider call failed; trying again',
      );
      await tellUserOnce();

      if (failure.kind === 'auth') refused.add(key);
      if (refused.size === routes.length) return gaveUp(); // every route's key was refused: nothing left to try
      if (failure.kind === 'auth' || streak >= settings.attemptsPerRoute || breaker.state !== CircuitState.Closed)
        moveOn();
      while (refused.has(routeKey(routes[index] as Route))) moveOn();
      // A route that failed before in this job waits its backoff; a fresh one is called at once. A 429's wait is the cool-down.
      const next = routes[index] as Route;
      const nextFailures = failuresOf.get(routeKey(next)) ?? 0;
      if (nextFailures === 0 || (next === route && cause === 'rate_limited')) continue;
      const delay = backoffDelayMs(settings, nextFailures, next === route ? failure.retryAfterMs : undefined);
      if (delay >= timeLeft()) return gaveUp();
      await sleepUntilAborted(delay, job.signal);
    }
  }

  function skip(route: Route, why: 'breaker_open' | 'cooling_down') {
    // A provider skipped for its failures (or another job's 429) counts as unavailable, not slow.
    hasFailed = true;
    deps.metrics?.countProviderSkip(route.provider, why);
    skipsInARow += 1;
    moveOn();
  }
}

function routeKey(route: Route): string {
  return `${route.provider}/${route.model}`;
}
