import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '#tests/support/free-port';

/** A throw-away redis-server of one test or script: a child process on a free port of 127.0.0.1. */
export type OwnRedis = {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: nothing is saved, as with `--save ""` nothing would be anyway). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty: every key (queue, limits) is gone, as after a crash. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP) for `ms`, then lets it go on (SIGCONT): a stall, data kept. */
  freeze(ms: number): Promise<void>;
};

const READY_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server` on a free port with persistence off, so the shared Redis of this machine
 * (other sessions' tests use it) is never touched, and a restart can be injected safely.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child) throw new Error('own redis is already running');
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = started;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server on ${port} not ready within ${READY_TIMEOUT_MS} ms: ${output}`)),
        READY_TIMEOUT_MS,
      );
      started.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output = (output + chunk).slice(-4_000);
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on ${port} exited with ${code}: ${output}`));
      });
    });
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  }

  async function freeze(ms: number): Promise<void> {
    if (!child) throw new Error('own redis is not running');
    child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, ms));
    child.kill('SIGCONT');
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop, freeze };
}
