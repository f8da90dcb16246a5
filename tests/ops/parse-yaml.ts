import { parse } from 'yaml';

/** Parses YAML 1.2 with merge keys (`<<`) on, as Docker Compose reads it; duplicate keys are errors. */
export function parseYaml(text: string): unknown {
  return parse(text, { merge: true, uniqueKeys: true });
}
