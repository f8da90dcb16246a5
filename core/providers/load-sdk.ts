/**
 * A provider SDK's client, built on the first call that needs it: `load` imports the SDK and
 * builds the client. A process whose role never calls the provider (a bot, the web) never loads
 * the SDK (@google/genai ~24 MiB, openai ~12 MiB). A failed load is tried again on the next call.
 */
export function loadSdkOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
