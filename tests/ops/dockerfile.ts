/** One Dockerfile instruction, continuation lines joined. */
export type Instruction = { keyword: string; args: string };

/** A build stage: its base image, its `AS` name and its instructions. */
export type Stage = { from: string; name: string | undefined; instructions: Instruction[] };

/**
 * Splits a Dockerfile into stages (https://docs.docker.com/reference/dockerfile/#format):
 * comment lines dropped, `\` continuations joined, one instruction per logical line.
 */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical.filter(Boolean)) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = line.slice(keyword.length).trim();
    if (keyword.toUpperCase() === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: from?.[1] ?? args, name: from?.[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`instruction before FROM: ${line}`);
    stage.instructions.push({ keyword: keyword.toUpperCase(), args: rest.length === 0 ? '' : args });
  }
  return stages;
}

/** The argv of an exec-form (JSON array) command, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed = JSON.parse(args) as unknown;
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}

/** The command of a `HEALTHCHECK [options] CMD ...` instruction, in exec form. */
export function healthcheckCommand(args: string): { options: Record<string, string>; argv: string[] | undefined } {
  const match = /^((?:--[\w-]+=\S+\s+)*)CMD\s+(.*)$/s.exec(args);
  if (!match) return { options: {}, argv: undefined };
  const options = Object.fromEntries(
    [...(match[1] ?? '').matchAll(/--([\w-]+)=(\S+)/g)].map((option) => [option[1] as string, option[2] as string]),
  );
  return { options, argv: execForm((match[2] ?? '').trim()) };
}
