import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Resident memory of a process now and its high-water mark (VmRSS, VmHWM), in bytes. */
export type Memory = { rssBytes: number; peakRssBytes: number };

/**
 * One node process of the lean bench (the compiled product or a baseline), started with `argv`
 * and only the given environment, from the repository root. Readiness is its pino `ready` line;
 * CPU is read from /proc in nanoseconds, summed over its threads (GC and libuv threads count).
 */
export class LeanProcess {
  readonly exited: Promise<number | null>;
  readonly spawnedAt = performance.now();
  private readonly child: ChildProcess;
  private readonly readyWaiters: (() => void)[] = [];
  private isReady = false;
  private output = '';
  private lastCpuNs = 0;
  private lastMemory: Memory = { rssBytes: Number.NaN, peakRssBytes: Number.NaN };

  constructor(
    readonly name: string,
    argv: readonly string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.output = (this.output + chunk).slice(-4_000);
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the process logged `ready`; rejects when it exits first or after `timeoutMs`. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    if (this.isReady) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: not ready within ${timeoutMs} ms; output: ${this.output.slice(-1_500)}`)),
        timeoutMs,
      );
      void this.exited.then((code) =>
        reject(new Error(`${this.name} exited (${code}) before it was ready; output: ${this.output.slice(-1_500)}`)),
      );
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** CPU time (user + system) of every thread so far, in nanoseconds; the last reading once the process is gone. */
  async cpuNs(): Promise<number> {
    const taskDir = `/proc/${this.pid}/task`;
    try {
      const tasks = await fs.readdir(taskDir);
      const readings = await Promise.all(
        tasks.map((task) => fs.readFile(`${taskDir}/${task}/schedstat`, 'utf8').catch(() => '0')),
      );
      this.lastCpuNs = readings.reduce((sum, text) => sum + Number(text.split(' ')[0] ?? 0), 0);
    } catch {
      // Gone: keep the last reading.
    }
    return this.lastCpuNs;
  }

  /** RSS now and at its peak; the last reading once the process is gone. */
  async memory(): Promise<Memory> {
    const status = await fs.readFile(`/proc/${this.pid}/status`, 'utf8').catch(() => undefined);
    if (status === undefined) return this.lastMemory;
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    this.lastMemory = { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
    return this.lastMemory;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.isRunning) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  private take(raw: string): void {
    if (this.isReady || raw.trim() === '') return;
    let message: unknown;
    try {
      message = (JSON.parse(raw) as { msg?: unknown }).msg;
    } catch {
      this.output = `${this.output}${raw}\n`.slice(-4_000);
      return;
    }
    if (typeof message === 'string' && (message === 'ready' || message.startsWith('ready: '))) {
      this.isReady = true;
      for (const waiter of this.readyWaiters.splice(0)) waiter();
    }
  }
}

/**
 * Spawns a process and polls `url` until it answers 200: the time from spawn (ms) and the CPU
 * it had used by then (ms). The process is left running.
 */
export async function timeToHealthy(
  process: LeanProcess,
  url: string,
  timeoutMs = 60_000,
): Promise<{ ms: number; cpuMs: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!process.isRunning) throw new Error(`${process.name} exited before ${url} answered 200`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return { ms: performance.now() - process.spawnedAt, cpuMs: (await process.cpuNs()) / 1e6 };
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
