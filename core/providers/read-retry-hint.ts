/** A wait a provider asks for longer than this is treated as this long: the job's deadline bounds it anyway. */
const MAX_HINT_MS = 10 * 60_000;

/** Reads one header from a fetch `Headers` or a plain record (any case). */
type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

/**
 * How long a provider asked us to wait before calling again, in milliseconds, from its answer's
 * headers, or undefined when it said nothing. Read in order: `retry-after-ms` (OpenAI,
 * platform.openai.com/docs/guides/rate-limits), `Retry-After` in seconds or as an HTTP date
 * (RFC 9110 §10.2.3), then, on a 429 only, the rate-limit reset headers: OpenAI's
 * `x-ratelimit-reset-requests` / `-tokens` (durations like `1s`, `6m0s`, `20ms`) and
 * OpenRouter's `X-RateLimit-Reset` (epoch milliseconds, openrouter.ai/docs/api-reference/limits).
 */
export function readRetryAfterHeaders(
  headers: HeaderSource,
  status: number | undefined,
  nowMs = Date.now(),
): number | undefined {
  const retryAfterMs = Number(header(headers, 'retry-after-ms'));
  if (header(headers, 'retry-after-ms') !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0)
    return bounded(retryAfterMs);
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return bounded(seconds * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return bounded(Math.max(0, at - nowMs));
  }
  if (status !== 429) return undefined;
  const resets = [header(headers, 'x-ratelimit-reset-requests'), header(headers, 'x-ratelimit-reset-tokens')].flatMap(
    (value) => {
      const ms = value === undefined ? undefined : parseGoDuration(value);
      return ms === undefined ? [] : [ms];
    },
  );
  if (resets.length > 0) return bounded(Math.max(...resets));
  const resetAt = Number(header(headers, 'x-ratelimit-reset'));
  if (Number.isFinite(resetAt) && resetAt > 0)
    return bounded(Math.max(0, (resetAt < 1e12 ? resetAt * 1000 : resetAt) - nowMs));
  return undefined;
}

/**
 * The wait Google asks for in the `google.rpc.RetryInfo` detail of its JSON error
 * (`{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2s"}]}}`,
 * ai.google.dev/gemini-api/docs/rate-limits), in milliseconds, or undefined.
 */
export function readGoogleRetryInfo(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as Array<{ '@type'?: unknown; retryDelay?: unknown }>) {
    if (
      typeof detail?.['@type'] === 'string' &&
      detail['@type'].endsWith('google.rpc.RetryInfo') &&
      typeof detail.retryDelay === 'string'
    ) {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay.trim());
      if (match) return bounded(Number(match[1]) * 1000);
    }
  }
  return undefined;
}

/** Parses Go-style durations as OpenAI sends them: `1s`, `6m0s`, `1h2m3.5s`, `20ms`. */
function parseGoDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.trim()) return undefined;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  return parts.reduce((total, part) => total + Number(part[1]) * (unitMs[part[2] ?? 's'] ?? 0), 0);
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function bounded(ms: number): number {
  return Math.min(MAX_HINT_MS, Math.ceil(ms));
}
