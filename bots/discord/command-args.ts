/** The options of /imagine and /video, as Discord delivered them. */
export type GenerationOptionValues = {
  prompt: string | null;
  template: string | null;
  aspect: string | null;
  count: number | null;
  seconds: number | null;
  model: string | null;
};

/**
 * Builds core's argument string from slash-command options: `prompt --ar X --n N --template T
 * --seconds S --model M`. Core parses and validates it (the same syntax Telegram users type); options come
 * after the prompt so they win over any typed into it.
 */
export function buildCommandArgs(values: GenerationOptionValues): string {
  const parts = [values.prompt?.trim() ?? ''];
  const word = (value: string) => value.trim().split(/\s+/).filter(Boolean).join('-');
  if (values.aspect) parts.push('--ar', word(values.aspect));
  if (values.count !== null) parts.push('--n', String(values.count));
  if (values.template && word(values.template)) parts.push('--template', word(values.template));
  if (values.seconds !== null) parts.push('--seconds', String(values.seconds));
  if (values.model && word(values.model)) parts.push('--model', word(values.model));
  return parts.filter(Boolean).join(' ');
}
