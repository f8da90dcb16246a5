import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSocketPath, sendAdminCommand, serveAdminSocket, type AdminCommandRunner } from '#core/admin/admin-socket';
import { createLogger } from '#core/infra/logger';

const logger = createLogger({ level: 'silent' });

function collect() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    },
  };
}

/** Sends raw bytes and returns every frame the server answers with. */
function rawRequest(socketPath: string, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath, () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
  });
}

describe('the admin socket (core/admin/admin-socket.ts)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-sock-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('runs a command in the serving process and streams its output and exit code back', async () => {
    const seen: { argv: string[]; actor: string }[] = [];
    const run: AdminCommandRunner = async (argv, io) => {
      seen.push({ argv, actor: io.actor });
      io.stdout.write('first line\n');
      io.stderr.write('a warning\n');
      io.stdout.write('second line\n');
      return 1;
    };
    const socketPath = adminSocketPath(dataDir);
    // A socket file left by a server that was killed is replaced.
    await fs.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect((await fs.lstat(socketPath)).isSocket()).toBe(true);
    const server = await serveAdminSocket(socketPath, { run, logger });
    try {
      expect((await fs.stat(path.dirname(socketPath))).mode & 0o777).toBe(0o700);
      expect((await fs.stat(socketPath)).mode & 0o777).toBe(0o600);
      const { out, io } = collect();
      expect(await sendAdminCommand(socketPath, { argv: ['balance', 'telegram:1'], actor: 'cli:ops' }, io)).toBe(1);
      expect(out).toEqual({ stdout: 'first line\nsecond line\n', stderr: 'a warning\n' });
      expect(seen).toEqual([{ argv: ['balance', 'telegram:1'], actor: 'cli:ops' }]);

      for (const garbage of [
        'not json\n',
        '{"argv":"grant","actor":"cli:ops"}\n',
        '{"argv":["stats"],"actor":"web:someone"}\n',
      ]) {
        expect(await rawRequest(socketPath, garbage)).toBe(
          '{"err":"admin socket: not a command request\\n"}\n{"exit":2}\n',
        );
      }
      expect(seen).toHaveLength(1);
    } finally {
      await server.close();
    }
    const { io } = collect();
    expect(await sendAdminCommand(socketPath, { argv: ['stats'], actor: 'cli:ops' }, io)).toBe('no-server');
  });

  it('will not send to a socket in a directory others can open, and will not serve over a file that is not a socket', async () => {
    const socketPath = adminSocketPath(dataDir);
    const server = await serveAdminSocket(socketPath, { run: async () => 0, logger });
    try {
      await fs.chmod(path.dirname(socketPath), 0o755);
      const { io } = collect();
      await expect(sendAdminCommand(socketPath, { argv: ['stats'], actor: 'cli:ops' }, io)).rejects.toThrow(
        /must be a directory of this user that nobody else can open/,
      );
    } finally {
      await server.close();
    }
    await fs.writeFile(socketPath, 'a file');
    await expect(serveAdminSocket(socketPath, { run: async () => 0, logger })).rejects.toThrow(
      /is not a socket; remove it/,
    );
    expect(await fs.readFile(socketPath, 'utf8')).toBe('a file');
  });
});
