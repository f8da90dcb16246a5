import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { WorkerProcessOptions } from '#tests/core/generation/worker-process';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/**
 * A running `worker-process.ts`: its stdout lines as they come, waits on them, and how to stop it
 * (SIGTERM, graceful) or kill it (SIGKILL, a crash). With WORKER_CHILD_DEBUG set, every line is
 * echoed to stderr with a timestamp and the pid, to follow several workers in one timeline.
 */
export class WorkerChild {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  private stderr = '';

  private constructor(options: WorkerProcessOptions) {
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) this.push(line);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4_000);
    });
  }

  /** Starts a worker process and resolves once it takes jobs. */
  static async start(options: WorkerProcessOptions, timeoutMs = 30_000): Promise<WorkerChild> {
    const worker = new WorkerChild(options);
    await worker.waitForLine((line) => line === 'ready', timeoutMs);
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Lines starting with `prefix `, without it. */
  linesOf(prefix: string): string[] {
    return this.lines.filter((line) => line.startsWith(`${prefix} `)).map((line) => line.slice(prefix.length + 1));
  }

  /** Resolves with the first line (already printed or coming) that matches. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const found = this.lines.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const exited = () =>
        reject(new Error(`worker ${this.pid} exited before the expected line; stderr: ${this.stderr}`));
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `worker ${this.pid}: no matching line within ${timeoutMs} ms; got ${JSON.stringify(this.lines.slice(-20))}; stderr: ${this.stderr}`,
            ),
          ),
        timeoutMs,
      );
      this.child.once('exit', exited);
      this.waiters.push({
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          this.child.off('exit', exited);
          resolve(line);
        },
      });
    });
  }

  /** SIGKILL: the process dies at once, holding whatever it was doing. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM and wait for a graceful exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private push(line: string): void {
    if (process.env.WORKER_CHILD_DEBUG) process.stderr.write(`${Date.now() % 100000} ${this.pid} ${line}\n`);
    this.lines.push(line);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(line)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }
}
