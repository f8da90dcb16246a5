import { ProviderError } from '#core/providers/provider-error';

/** Awaits a call that must fail and returns its `ProviderError`; a success or any other error fails the test. */
export async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (error: unknown) => error,
  );
  if (outcome instanceof ProviderError) return outcome;
  throw new Error(`expected a ProviderError, got ${String(outcome)}`, { cause: outcome });
}
