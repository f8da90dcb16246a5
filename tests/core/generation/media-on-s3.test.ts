import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signMediaUrl } from '#core/infra/media/sign-media-url';
import { createWebApp } from '#web/create-web-app';
import { isPng } from '#tests/fakes/test-png';
import { FakeS3Api } from '#tests/fakes/s3-api';
import { ChatUser } from '#tests/support/chat-driver';
import type { TestCore } from '#tests/support/test-core';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import { admit, eventually, sha256 } from '#tests/core/generation/generation-helpers';

const BUCKET = 'imagine-media';

/**
 * Web, bot and worker as separate processes of one deployment with media on S3 and no shared
 * volume: each has a DATA_DIR of its own, so a file one stored can only reach another through
 * the bucket.
 */
describe('media on S3 across processes', () => {
  let s3: FakeS3Api;
  let cluster: TestCluster;
  let s3Env: Record<string, string>;
  const dirs: string[] = [];
  const servers: Server[] = [];

  async function ownDataDir(role: string): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `imagine-${role}-`));
    dirs.push(dir);
    return dir;
  }

  /** The web role on a core of its own, listening on a free port. */
  async function startWeb(): Promise<{ web: TestCore; baseUrl: string }> {
    const web = await cluster.openCore({ env: s3Env, dataDir: await ownDataDir('web') });
    const app = createWebApp(web.core, { logger: web.deps.logger, trustProxy: false });
    const server: Server = await new Promise((resolve, reject) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    });
    servers.push(server);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return { web, baseUrl: `http://127.0.0.1:${address.port}` };
  }

  function signedUrl(web: TestCore, baseUrl: string, assetId: string): string {
    return signMediaUrl({
      baseUrl,
      assetId,
      secret: web.deps.config.sessionSecret,
      expiresAt: new Date(Date.now() + 600_000),
    });
  }

  async function localFiles(dir: string): Promise<string[]> {
    const entries = await fs.readdir(path.join(dir, 'media'), { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  }

  beforeEach(async () => {
    s3 = await FakeS3Api.start({ buckets: [BUCKET] });
    s3Env = {
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    cluster = await createTestCluster();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await cluster?.close();
    await s3?.close();
    for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });

  it('a picture a worker process stored in the bucket is served by the web role, and account erasure deletes it from the bucket', async () => {
    const worker = await cluster.startWorkerProcess({
      concurrency: 1,
      env: s3Env,
      dataDir: await ownDataDir('worker'),
    });
    const bot = await cluster.openCore({ env: s3Env, dataDir: await ownDataDir('bot') });
    const { web, baseUrl } = await startWeb();
    const user = new ChatUser(bot, '7401');
    await user.onboard();

    const id = await admit(user, 'imagine', 'a lighthouse on a cloud');
    const delivered = await worker.waitForLine((line) => line.startsWith(`media ${id} `));
    const asset = await cluster.database.prisma.mediaAsset.findFirstOrThrow({
      where: { generationId: id, role: 'output' },
    });
    expect(delivered).toBe(`media ${id} ${asset.sha256}`);
    // The result and the gallery's thumbnail of it, in the same bucket.
    const thumbnail = await cluster.database.prisma.mediaAsset.findFirstOrThrow({ where: { thumbnailOfId: asset.id } });
    expect(s3.keysOf(BUCKET).sort()).toEqual([asset.storageKey, thumbnail.storageKey].sort());
    const put = await s3.waitForRequest((request) => request.method === 'PUT');
    expect(put.headers.authorization).toContain(`Credential=${s3.accessKeyId}/`);

    const response = await fetch(signedUrl(web, baseUrl, asset.id));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(isPng(bytes)).toBe(true);
    expect(sha256(bytes)).toBe(asset.sha256);
    for (const dir of [...dirs]) expect(await localFiles(dir), dir).toEqual([]);

    await user.press('confirm_delete');
    expect(await cluster.database.prisma.mediaAsset.count({ where: { id: asset.id } })).toBe(0);
    expect(s3.keysOf(BUCKET)).toEqual([]);
    expect((await fetch(signedUrl(web, baseUrl, asset.id))).status).toBe(404);
  });

  it('a download the viewer abandons releases its S3 connection', async () => {
    const { web, baseUrl } = await startWeb();
    const user = await cluster.database.prisma.user.create({ data: {} });
    const video = Buffer.alloc(16 * 1024 * 1024, 7);
    const stored = await web.deps.media.put({ bytes: video, mime: 'video/mp4', keyHint: 'outputs' });
    const asset = await cluster.database.prisma.mediaAsset.create({
      data: { userId: user.id, storageKey: stored.key, mime: stored.mime, bytes: stored.bytes, sha256: stored.sha256 },
    });

    const abort = new AbortController();
    const response = await fetch(signedUrl(web, baseUrl, asset.id), { signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await eventually(
      async () => s3.inFlight === 0,
      `the S3 GetObject of an abandoned download is still open (${s3.inFlight} in flight)`,
      5_000,
    );
  });
});
