import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, createLogger, loadConfig, buildCoreDeps, translate, type Core, type Runtime } from '#core';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';

/** A TCP relay to PostgreSQL that the test can cut, as a database restart or a network fault would. */
async function startCuttableRelay(target: {
  host: string;
  port: number;
}): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/**
 * While PostgreSQL is away (a restart, a failover), chat commands cannot run. The user reads that
 * the service is briefly unavailable and to try again, with a reference, rather than the generic
 * "something went wrong" that is meant for our own faults.
 */
describe('a chat command while the database is unreachable', () => {
  let runtime: Runtime;
  let core: Core;
  let dataDir: string;
  let database: TestDatabase;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-no-db-'));
    database = await createTestDatabase();
    const direct = new URL(database.url ?? '');
    const relay = await startCuttableRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
    const url = new URL(direct);
    url.port = String(relay.port);
    const config = loadConfig({
      DATABASE_URL: url.toString(),
      AUTO_MIGRATE: 'false',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      MODERATION_MODE: 'local-only',
    });
    runtime = await buildCoreDeps(config, { logger: createLogger({ level: 'silent' }) });
    core = createCore(runtime.deps);
    await relay.cut();
  });
  afterAll(async () => {
    await runtime?.close().catch(() => undefined);
    await database?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('answers that the service is briefly unavailable, in the user language, with a reference', async () => {
    const base = {
      eventId: 'update-1',
      actor: { platform: 'telegram' as const, platformUserId: '4242', locale: 'zh-CN' as const },
      chat: { id: '4242', type: 'private' as const, messageId: '7' },
    };
    const [reply] = await core.chat.run({ ...base, command: { name: 'balance', args: '' } });
    expect(reply).toMatchObject({ type: 'message', text: { key: 'errors.temporarily_unavailable' }, ephemeral: true });
    const ref = reply?.type === 'message' && !Array.isArray(reply.text) ? String(reply.text.vars?.ref) : '';
    expect(ref).toMatch(/^[0-9a-f]{8}$/);
    expect(translate('zh-CN', 'errors.temporarily_unavailable', { ref })).toContain(ref);
  });

  it('handles a webhook update it cannot claim rather than failing it', async () => {
    expect(await core.chat.claimUpdate({ platform: 'telegram', updateId: '1:99' })).toBe(true);
  });

  it('holds /imagine in memory when there is no Redis, answering that it was received', async () => {
    const base = {
      eventId: 'update-2',
      actor: { platform: 'telegram' as const, platformUserId: '4243', locale: 'en' as const },
      chat: { id: '4243', type: 'private' as const, messageId: '8' },
    };
    const replies = await core.chat.run({ ...base, command: { name: 'imagine', args: 'a lamp post in fog' } });
    expect(replies).toEqual([expect.objectContaining({ type: 'status', text: { key: 'job.held' } })]);
    expect(translate('en', 'job.held')).toMatch(/^Received, waiting for the service to recover/);
    expect(translate('zh-CN', 'job.held')).not.toBe(translate('en', 'job.held'));
  });
});
