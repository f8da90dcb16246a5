import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { AdminActor } from '#core/admin/admin-deps';
import type { Logger } from '#core/infra/logger';

/**
 * The admin socket: how `npm run admin` reaches a server that has the embedded database open
 * (one process at a time may). A Unix socket in a directory only the owner of DATA_DIR can
 * enter (0700, the socket itself 0600): the file system is the access control, as for the
 * database files next to it. One JSON line asks (`{ argv, actor }`); JSON lines answer
 * (`{ out }`, `{ err }`, then `{ exit }`).
 */
export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, 'run', 'admin.sock');
}

/** What the server does with one command line; returns the exit code. */
export type AdminCommandRunner = (
  argv: string[],
  io: { stdout: Writer; stderr: Writer; actor: AdminActor },
) => Promise<number>;

type Writer = { write(text: string): unknown };

/** A listening admin socket; `close` stops taking commands and waits for running ones. */
export type AdminSocketServer = { path: string; close(): Promise<void> };

/** A request line longer than this is not an admin command. */
const MAX_REQUEST_BYTES = 64 * 1024;
/** A client that has not sent its command by then is dropped. */
const REQUEST_TIMEOUT_MS = 10_000;
const ACTOR_PATTERN = /^cli:[\w.@-]{1,64}$/;

/**
 * Listens on `socketPath` for admin commands and runs each with `run`, streaming its output
 * back. Call it only while holding the database lock: a socket file left at that path by a
 * dead server is removed. Refuses to start when the directory is not the process owner's,
 * is a symbolic link, or the path holds something other than a socket.
 */
export async function serveAdminSocket(
  socketPath: string,
  options: { run: AdminCommandRunner; logger: Logger },
): Promise<AdminSocketServer> {
  const dir = path.dirname(socketPath);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const dirStat = await fs.lstat(dir);
  const uid = process.getuid?.();
  if (!dirStat.isDirectory() || (uid !== undefined && dirStat.uid !== uid))
    throw new Error(`admin socket: ${dir} must be a directory owned by this user`);
  if ((dirStat.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
  const existing = await fs.lstat(socketPath).catch(() => undefined);
  if (existing && !existing.isSocket())
    throw new Error(`admin socket: ${socketPath} exists and is not a socket; remove it`);
  if (existing) await fs.rm(socketPath);

  const idle = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    idle.add(socket);
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      if (idle.has(socket)) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline === -1) {
        if (buffered.length > MAX_REQUEST_BYTES) socket.destroy();
        return;
      }
      socket.off('data', onData);
      idle.delete(socket);
      socket.setTimeout(0);
      void answer(socket, buffered.slice(0, newline), options);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await fs.chmod(socketPath, 0o600);
  options.logger.info({ socket: socketPath }, 'admin socket listening');
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of idle) socket.destroy();
      }),
  };
}

async function answer(
  socket: net.Socket,
  line: string,
  options: { run: AdminCommandRunner; logger: Logger },
): Promise<void> {
  const send = (frame: object) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(frame)}\n`);
  };
  let request: { argv: string[]; actor: string };
  try {
    const parsed = JSON.parse(line) as { argv?: unknown; actor?: unknown };
    if (
      !Array.isArray(parsed.argv) ||
      !parsed.argv.every((item) => typeof item === 'string') ||
      typeof parsed.actor !== 'string' ||
      !ACTOR_PATTERN.test(parsed.actor)
    ) {
      throw new Error('bad request');
    }
    request = { argv: parsed.argv as string[], actor: parsed.actor };
  } catch {
    send({ err: 'admin socket: not a command request\n' });
    send({ exit: 2 });
    socket.end();
    return;
  }
  const log = options.logger.child({ component: 'admin-socket', actor: request.actor });
  log.info({ command: request.argv[0] }, 'admin command');
  try {
    const exit = await options.run(request.argv, {
      stdout: { write: (text: string) => send({ out: text }) },
      stderr: { write: (text: string) => send({ err: text }) },
      actor: request.actor,
    });
    send({ exit });
  } catch (error) {
    log.error({ err: error }, 'admin command failed');
    send({ err: 'failed: the server could not run the command (see its log)\n' });
    send({ exit: 1 });
  }
  socket.end();
}

/**
 * Sends one command to the server's admin socket and copies its output to `io`; returns the
 * exit code, or `no-server` when nothing listens there (the caller then opens the database
 * itself). Throws when the socket's directory could belong to someone else: a command is
 * never handed to a process this user does not own.
 */
export async function sendAdminCommand(
  socketPath: string,
  request: { argv: string[]; actor: AdminActor },
  io: { stdout: Writer; stderr: Writer },
): Promise<number | 'no-server'> {
  const dirStat = await fs.lstat(path.dirname(socketPath)).catch(() => undefined);
  if (!dirStat) return 'no-server';
  const socketStat = await fs.lstat(socketPath).catch(() => undefined);
  if (!socketStat) return 'no-server';
  const uid = process.getuid?.();
  const isTrusted = (stat: { uid: number }) => uid === undefined || uid === 0 || stat.uid === uid;
  if (!dirStat.isDirectory() || !isTrusted(dirStat) || (dirStat.mode & 0o077) !== 0) {
    throw new Error(
      `refusing the admin socket: ${path.dirname(socketPath)} must be a directory of this user that nobody else can open (mode 0700)`,
    );
  }
  if (!socketStat.isSocket() || !isTrusted(socketStat))
    throw new Error(`refusing the admin socket: ${socketPath} is not a socket of this user`);

  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let isConnected = false;
    let exit: number | undefined;
    let buffered = '';
    socket.once('connect', () => {
      isConnected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const frame = JSON.parse(buffered.slice(0, newline)) as { out?: string; err?: string; exit?: number };
        buffered = buffered.slice(newline + 1);
        if (typeof frame.out === 'string') io.stdout.write(frame.out);
        if (typeof frame.err === 'string') io.stderr.write(frame.err);
        if (typeof frame.exit === 'number') exit = frame.exit;
        newline = buffered.indexOf('\n');
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (!isConnected && (error.code === 'ECONNREFUSED' || error.code === 'ENOENT')) resolve('no-server');
      else if (exit === undefined)
        reject(
          new Error(
            `the server's admin socket failed mid-command (${error.code ?? error.message}); check the result (ledger, audit log) before repeating it`,
          ),
        );
    });
    socket.once('close', () => {
      if (exit !== undefined) resolve(exit);
      else if (isConnected)
        reject(
          new Error(
            'the server closed the admin socket before the command finished; check the result (ledger, audit log) before repeating it',
          ),
        );
    });
  });
}
