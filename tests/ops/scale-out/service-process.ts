import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** One pino JSON line of a service process (`time` as epoch milliseconds). */
export type LogLine = { time: number; level: number; msg: string } & Record<string, unknown>;

/** Resources of a process from /proc (Linux): resident memory now and at its peak, CPU time so far. */
export type Usage = { rssBytes: number; peakRssBytes: number; cpuSeconds: number };

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * `npm start` (main.ts) in a child process, as an operator runs it: `node --import tsx main.ts`
 * with only the given environment. One node process, so SIGKILL kills the service itself and
 * /proc shows its own memory (the `tsx` CLI would put a wrapper process in between).
 * Its pino JSON lines are parsed and kept; other output (stderr) is kept as text.
 */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  private text = '';
  private lastUsage: Usage | undefined;

  private constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.text = (this.text + chunk).slice(-8_000);
    });
  }

  /** Starts main.ts and resolves once it logged `ready` (every role started). */
  static async start(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
    const service = new ServiceProcess(name, env);
    try {
      await service.waitForLog((line) => line.msg === 'ready' || line.msg.startsWith('ready: '), timeoutMs);
    } catch (error) {
      await service.kill();
      throw error;
    }
    return service;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Non-JSON output (stderr, start-up failures), the last 8 kB. */
  get otherOutput(): string {
    return this.text;
  }

  /** Log lines at warn (40) or above. */
  problems(): LogLine[] {
    return this.logs.filter((line) => line.level >= 40);
  }

  /** Resolves with the first log line (already logged or coming) that matches; rejects on exit or timeout. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const found = this.logs.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(line);
        },
      };
      const fail = (why: string) => {
        this.waiters.delete(waiter);
        this.child.off('exit', onExit);
        reject(
          new Error(
            `${this.name}: ${why}; last lines: ${JSON.stringify(this.logs.slice(-8).map((line) => line.msg))}; stderr: ${this.text.slice(-2_000)}`,
          ),
        );
      };
      const onExit = (code: number | null) => fail(`exited (${code}) before the expected log line`);
      const timer = setTimeout(() => fail(`no matching log line within ${timeoutMs} ms`), timeoutMs);
      this.child.once('exit', onExit);
      this.waiters.add(waiter);
    });
  }

  /** Resident memory now and at its peak (VmRSS, VmHWM) and CPU time (user + system); the last reading once the process is gone. */
  async usage(): Promise<Usage | undefined> {
    if (!this.isRunning || this.pid === undefined) return this.lastUsage;
    const [status, stat] = await Promise.all([
      fs.readFile(`/proc/${this.pid}/status`, 'utf8'),
      fs.readFile(`/proc/${this.pid}/stat`, 'utf8'),
    ]).catch(() => [undefined, undefined]);
    if (status === undefined || stat === undefined) return this.lastUsage;
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    this.lastUsage = { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM'), cpuSeconds: ticks / CLOCK_TICKS };
    return this.lastUsage;
  }

  /** SIGKILL: the process dies at once, whatever it was doing (a crash, an OOM kill). */
  async kill(): Promise<void> {
    if (!this.isRunning) return;
    await this.usage();
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the drain of main.ts), then SIGKILL after `timeoutMs`; resolves with the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.isRunning) return this.child.exitCode;
    await this.usage();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.child.kill('SIGTERM');
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private take(raw: string): void {
    if (raw.trim() === '') return;
    let line: LogLine;
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      line = {
        ...parsed,
        time: typeof parsed.time === 'string' ? Date.parse(parsed.time) : Number(parsed.time),
        level: Number(parsed.level),
        msg: String(parsed.msg ?? ''),
      };
    } catch {
      this.text = `${this.text + raw}\n`.slice(-8_000);
      return;
    }
    this.logs.push(line);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(line)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(line);
    }
  }
}
