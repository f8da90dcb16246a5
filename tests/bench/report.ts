import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The machine a figure was measured on, for the results files. */
export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, Node ${process.version}, ${os.type()} ${os.release()}, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')} at the start`;
}

/** A Markdown table; cells are escaped for `|`. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const widths = header.map((title, index) =>
    Math.max(title.length, ...rows.map((row) => cell(row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((text, index) => cell(text).padEnd(widths[index] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Writes `text` to `relativePath` under the repository root (creating the folder); returns the file's path. */
export async function writeResults(relativePath: string, text: string): Promise<string> {
  const file = path.resolve(import.meta.dirname, '../..', relativePath);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}

/**
 * Puts `body` into bench/results.md between the markers of section `name`, replacing an earlier
 * run's section and keeping the other sections; returns the file's path.
 */
export async function writeResultsSection(name: string, body: string): Promise<string> {
  const relativePath = 'bench/results.md';
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const current = await fs
    .readFile(path.resolve(import.meta.dirname, '../..', relativePath), 'utf8')
    .catch(() => '# Benchmark results\n');
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${section}\n`;
  return writeResults(relativePath, next);
}

/** The `p`th percentile (0..100, nearest rank) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Milliseconds as `1.23 s` or `456 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Bytes as MiB. */
export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '-' : `${Math.round(bytes / 1024 ** 2)} MiB`;
}
