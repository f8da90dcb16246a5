import { spawn, type ChildProcess } from 'node:child_process';

/** A child process whose stdout and stderr are collected, and when it exited. */
export type SpawnedWithOutput = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

/**
 * Starts `command` with exactly `env` (plus PATH and HOME), collecting what it prints, as a
 * deployment would run the product: for tests of `main.ts` and of the container's commands.
 */
export function spawnWithOutput(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): SpawnedWithOutput {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
