import fs from 'node:fs';
import path from 'node:path';
import { parseYaml } from '#tests/ops/parse-yaml';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A service as the tests read it (only what they look at is typed). */
export type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | (string | { path: string })[];
  depends_on?: string[] | Record<string, { condition: string; required?: boolean }>;
  healthcheck?: {
    test?: string | string[];
    disable?: boolean;
    interval?: string;
    timeout?: string;
    retries?: number;
    start_period?: string;
  };
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  restart?: string;
  stop_grace_period?: string;
  profiles?: string[];
  container_name?: string;
  init?: boolean;
  [key: string]: unknown;
};

export type ComposeFile = {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
};

/** docker-compose.yml, parsed (YAML 1.2 with merge keys, as Compose reads it). */
export function readCompose(): ComposeFile {
  return parseYaml(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
}

/**
 * Compose's interpolation (https://docs.docker.com/reference/compose-file/interpolation/):
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a literal `$`. Records every name it meets in `seen`.
 */
export function interpolate(
  text: string,
  vars: Record<string, string | undefined>,
  seen: Set<string> = new Set(),
): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      whole,
      braced: string | undefined,
      operator: string | undefined,
      operand: string | undefined,
      bare: string | undefined,
    ) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      seen.add(name);
      const value = vars[name];
      const isSet = value !== undefined;
      const isFilled = isSet && value !== '';
      switch (operator) {
        case ':-':
          return isFilled ? (value as string) : interpolate(operand ?? '', vars, seen);
        case '-':
          return isSet ? (value as string) : interpolate(operand ?? '', vars, seen);
        case ':?':
          if (!isFilled) throw new Error(`${name}: ${operand ?? 'required'}`);
          return value as string;
        case '?':
          if (!isSet) throw new Error(`${name}: ${operand ?? 'required'}`);
          return value as string;
        case ':+':
          return isFilled ? interpolate(operand ?? '', vars, seen) : '';
        case '+':
          return isSet ? interpolate(operand ?? '', vars, seen) : '';
        default:
          return value ?? '';
      }
    },
  );
}

/** Applies {@link interpolate} to every string in a parsed document. */
export function interpolateAll<T>(
  value: T,
  vars: Record<string, string | undefined>,
  seen: Set<string> = new Set(),
): T {
  if (typeof value === 'string') return interpolate(value, vars, seen) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => interpolateAll(item, vars, seen)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, vars, seen)])) as T;
  return value;
}

/**
 * Reads an env file the way Compose's `env_file` does for this project's style: `KEY=value`,
 * `#` comment lines, and a ` #` comment after an unquoted value. Commented-out settings
 * (`# KEY=value`) are returned separately as documented-but-unset.
 */
export function readEnvFile(text: string): { values: Record<string, string>; documented: Set<string> } {
  const values: Record<string, string> = {};
  const documented = new Set<string>();
  for (const line of text.split('\n')) {
    const commented = /^#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (commented) {
      documented.add(commented[1] as string);
      continue;
    }
    const setting = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!setting) continue;
    const key = setting[1] as string;
    const raw = (setting[2] as string).trim();
    const quoted = /^(['"])(.*)\1(\s+#.*)?$/.exec(raw);
    values[key] = quoted ? (quoted[2] as string) : raw.replace(/(^|\s+)#.*$/, '').trim();
    documented.add(key);
  }
  return { values, documented };
}

/** A service's `environment` as a map (the list form `KEY=value` included). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment))
    return Object.fromEntries(
      environment.map((item) => [item.split('=')[0] as string, item.split('=').slice(1).join('=')]),
    );
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}

/** A Compose duration (`1m30s`, `45s`, `500ms`) in seconds; undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  if (!/^(\d+(\.\d+)?(us|ms|s|m|h))+$/.test(text)) return undefined;
  return [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)].reduce(
    (sum, part) => sum + Number(part[1]) * (units[part[2] as string] as number),
    0,
  );
}
