import type OpenAI from 'openai';

/** How OpenAI's moderation categories map to ours, and which are severe (suspend at once). */
const CATEGORY_MAP: Record<string, { category: string; isSevere: boolean }> = {
  'sexual/minors': { category: 'sexual_minors', isSevere: true },
  sexual: { category: 'sexual', isSevere: false },
  'violence/graphic': { category: 'violence_graphic', isSevere: false },
  'self-harm': { category: 'self_harm', isSevere: false },
  'self-harm/intent': { category: 'self_harm', isSevere: false },
  'self-harm/instructions': { category: 'self_harm', isSevere: false },
  hate: { category: 'hate', isSevere: false },
  'hate/threatening': { category: 'hate', isSevere: false },
  harassment: { category: 'harassment', isSevere: false },
  'harassment/threatening': { category: 'harassment', isSevere: false },
  illicit: { category: 'illegal', isSevere: false },
  'illicit/violent': { category: 'illegal', isSevere: false },
};

/** The moderation model used. */
export const OPENAI_MODERATION_MODEL = 'omni-moderation-latest';

/**
 * Asks OpenAI's moderation endpoint about a prompt or an image. Returns our categories for what it flagged
 * (plain `violence` alone is allowed: action scenes are fine; graphic violence is not).
 * Throws on any API failure; the caller decides whether that blocks (fail-closed).
 */
export async function checkWithOpenAi(
  client: OpenAI,
  prompt: string | { bytes: Buffer; mime: string },
  signal?: AbortSignal,
): Promise<{ categories: string[]; isSevere: boolean }> {
  // Images go as a data URL (https://platform.openai.com/docs/guides/moderation#quickstart).
  const input =
    typeof prompt === 'string'
      ? prompt
      : [
          {
            type: 'image_url' as const,
            image_url: { url: `data:${prompt.mime};base64,${prompt.bytes.toString('base64')}` },
          },
        ];
  const response = await client.moderations.create({ model: OPENAI_MODERATION_MODEL, input }, signal ? { signal } : {});
  const result = response.results[0];
  if (!result?.flagged) return { categories: [], isSevere: false };
  const flagged = Object.entries(result.categories as unknown as Record<string, boolean | null>)
    .filter(([, isFlagged]) => isFlagged === true)
    .map(([name]) => name);
  const mapped = flagged.flatMap((name) =>
    Object.hasOwn(CATEGORY_MAP, name) && CATEGORY_MAP[name] ? [CATEGORY_MAP[name]] : [],
  );
  return {
    categories: [...new Set(mapped.map((entry) => entry.category))],
    isSevere: mapped.some((entry) => entry.isSevere),
  };
}
